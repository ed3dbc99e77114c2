/**
 * The embedded store's facts in columns: one typed-array slot per fact for its times, entity and
 * event type, and one pointer each for its key and attributes. A million facts as objects cost a
 * header, seven fields and two boxed numbers each; here they cost about 40 bytes, and a `Fact` is
 * built only when a caller asks for one (change listings, snapshots).
 */
import { EVENT_TYPES, type EventType } from '../../../schema/events.js';
import type { Json } from '../../model/facts.js';
import { StringTable } from './string-table.js';

export type Attrs = Readonly<Record<string, Json>>;

const TYPE_NUMBER = new Map<EventType, number>(EVENT_TYPES.map((t, i) => [t, i]));
if (EVENT_TYPES.length > 256) throw new Error('event types no longer fit the one-byte type column');

type Column = Float64Array | Int32Array | Uint8Array;

/** `column` with room for `need` slots, doubled when it has to grow (amortised appends). */
export function withRoom<C extends Column>(column: C, need: number): C {
  if (need <= column.length) return column;
  const next = new (column.constructor as new (n: number) => C)(Math.max(need, column.length * 2));
  next.set(column);
  return next;
}

/**
 * Attribute names whose values repeat across many facts (service ids, signals, statuses,
 * versions, config keys): the index keeps one copy of each value, where JSON.parse made one per
 * event for every string longer than ten characters.
 */
const SHARED_VALUES = new Set([
  'service', 'signal', 'severity', 'status', 'version', 'previousVersion', 'key', 'from', 'to', 'team', 'zone', 'kind',
  'protocol', 'dependency', 'actor', 'actorType', 'actorModel', 'verdict', 'incident',
]);
/** V8's JSON.parse makes one copy of each string value this long or shorter (`kMaxInternalizedStringValueLength`). */
const INTERNALISED_BY_JSON_PARSE = 10;
/** Attribute objects this small and flat (`{ active: false }`, `{ status: 'succeeded' }`) are shared by every fact that has them. */
const SHARED_OBJECT_MAX_KEYS = 2;

export class FactColumns {
  length = 0;
  validFrom = new Float64Array(1024);
  recordedAt = new Float64Array(1024);
  entity = new Int32Array(1024);
  private typeNumber = new Uint8Array(1024);
  readonly key: string[] = [];
  readonly attrs: Attrs[] = [];
  /** The shared strings, and where each is among them. */
  private readonly sharedStrings: string[] = [];
  private readonly sharedTable = new StringTable(this.sharedStrings);
  private readonly smallAttrs = new Map<string, Attrs>();

  /** Appends one fact; returns its number. */
  push(entity: number, validFrom: number, recordedAt: number, key: string, type: EventType, attrs: Attrs): number {
    const f = this.length++;
    const n = this.length;
    this.validFrom = withRoom(this.validFrom, n);
    this.recordedAt = withRoom(this.recordedAt, n);
    this.entity = withRoom(this.entity, n);
    this.typeNumber = withRoom(this.typeNumber, n);
    this.validFrom[f] = validFrom;
    this.recordedAt[f] = recordedAt;
    this.entity[f] = entity;
    this.typeNumber[f] = TYPE_NUMBER.get(type) ?? 0;
    this.key.push(key);
    this.attrs.push(this.compact(attrs));
    return f;
  }

  type(f: number): EventType {
    return EVENT_TYPES[this.typeNumber[f] as number] as EventType;
  }

  /** One copy of a repeated string. */
  shared(s: string): string {
    const known = this.sharedTable.get(s);
    if (known >= 0) return this.sharedStrings[known] as string;
    this.sharedTable.add(this.sharedStrings.push(s) - 1);
    return s;
  }

  /**
   * `attrs` sharing repeated values, or the one shared object equal to it. Values are swapped in
   * place for their shared equals (the caller sees no change: the strings are equal), so an event's
   * attributes are not copied once more; a frozen object is copied.
   */
  private compact(attrs: Attrs): Attrs {
    const out = (Object.isFrozen(attrs) ? { ...attrs } : attrs) as Record<string, Json>;
    let keys = 0;
    let flat = true;
    for (const k in out) {
      const v = out[k] as Json;
      if (typeof v === 'string') {
        // Always written back: equal strings compare equal, whichever copy is held. A string of
        // ten characters or fewer from JSON.parse is V8's one internalised copy already.
        if (v.length > INTERNALISED_BY_JSON_PARSE && SHARED_VALUES.has(k)) out[k] = this.shared(v);
      } else if ((v !== null && typeof v === 'object') || Object.is(v, -0)) flat = false; // -0 would print as 0
      keys++;
    }
    if (!flat || keys > SHARED_OBJECT_MAX_KEYS) return out;
    const id = JSON.stringify(out);
    const known = this.smallAttrs.get(id);
    if (known) return known;
    // Kept and shared from now on: a copy of its own, frozen, so the caller's object stays theirs.
    const kept = Object.freeze({ ...out });
    this.smallAttrs.set(id, kept);
    return kept;
  }
}
