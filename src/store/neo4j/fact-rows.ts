/**
 * Facts to query parameters and back, and the small in-memory index a slice read builds from the
 * facts Neo4j returned. The slice is then answered by the embedded store's own slice code over
 * that index, so both stores derive every answer with the same functions.
 */
import type { EventType } from '../../../schema/events.js';
import { FACT_KINDS, type Fact, type FactKind, type Json } from '../../model/facts.js';
import { compareFacts } from '../../model/time.js';
import { GraphIndex } from '../memory/graph-index.js';
import { Slices } from '../memory/slices.js';
import type { RecordLike } from './driver.js';

/** A fact as stored on a `:Fact` node. */
export interface FactRow {
  uid: string;
  kind: FactKind;
  entity: string;
  validFrom: number;
  recordedAt: number;
  key: string;
  type: EventType;
  attrs: string;
}

/** Unique per entity and event: an event says at most one thing about one entity. */
export const factUid = (f: Fact): string => JSON.stringify([f.kind, f.id, f.key]);

export const toFactRow = (f: Fact): FactRow => ({
  uid: factUid(f),
  kind: f.kind,
  entity: f.id,
  validFrom: f.validFrom,
  recordedAt: f.recordedAt,
  key: f.key,
  type: f.type,
  attrs: JSON.stringify(f.attrs),
});

/** Numbers come back as numbers (`disableLosslessIntegers`); an Integer is converted all the same. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v && typeof v.toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  throw new TypeError(`expected a number from Neo4j, got ${JSON.stringify(v)}`);
}

function text(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new TypeError(`expected a string in ${field} from Neo4j, got ${JSON.stringify(v)}`);
  return v;
}

export function factOf(record: RecordLike): Fact {
  const r = record.toObject();
  const kind = text(r.kind, 'kind') as FactKind;
  if (!FACT_KINDS.includes(kind)) throw new TypeError(`unknown fact kind ${kind} from Neo4j`);
  return {
    kind,
    id: text(r.entity, 'entity'),
    validFrom: toNumber(r.validFrom),
    recordedAt: toNumber(r.recordedAt),
    key: text(r.key, 'key'),
    type: text(r.type, 'type') as EventType,
    attrs: JSON.parse(text(r.attrs, 'attrs')) as Record<string, Json>,
  };
}

/** Slices over exactly these facts; a fact returned twice (UNION of overlapping parts) counts once. */
export function slicesOf(facts: readonly Fact[]): { index: GraphIndex; slices: Slices } {
  const index = new GraphIndex();
  for (const f of [...facts].sort(compareFacts)) index.addEvent(f.key, [f]);
  return { index, slices: new Slices(index) };
}
