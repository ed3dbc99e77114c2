/**
 * Bitemporal rows: a value over valid time × recorded time, cut into rectangles. Each row says
 * "from `validFrom` until `validTo` the value was `value`, as known from `recordedAt` until
 * `supersededAt`". Stores that cannot run `src/model/time.ts` next to their data (Neo4j) keep
 * these rows so that a predicate on four numbers answers "valid at T as known at K"; the rows are
 * derived here from the facts, with the very view functions every store uses, so they cannot
 * disagree with them.
 */
import type { Fact } from './facts.js';
import type { Instant } from './time.js';

/** Past every instant a reader can ask about (`END_OF_TIME` included): the end of an open row. */
export const OPEN_END = Number.MAX_SAFE_INTEGER;

export interface BitemporalRow<V> {
  readonly validFrom: number;
  /** Exclusive; `OPEN_END` while no later fact ends it. */
  readonly validTo: number;
  readonly recordedAt: number;
  /** Exclusive; `OPEN_END` while no later recorded fact revises it. */
  readonly supersededAt: number;
  readonly value: V;
}

/** The predicate every row-reading query applies: the row holds at `t`. */
export const rowHolds = (r: BitemporalRow<unknown>, t: Instant): boolean =>
  r.validFrom <= t.at && t.at < r.validTo && r.recordedAt <= t.knownAt && t.knownAt < r.supersededAt;

/** A stable identity for a row that does not change when the row is superseded. */
export const rowId = (r: BitemporalRow<unknown>): string => `${r.validFrom}:${r.validTo}:${r.recordedAt}:${JSON.stringify(r.value)}`;

const ascending = (a: number, b: number): number => a - b;

/**
 * The rows of `valueAt` over the facts it depends on. `valueAt` must read only facts recorded by
 * `t.knownAt` and valid by `t.at` (as every function in `views.ts` does), and answer null where it
 * has no value; null is not stored. The value can change only where a fact starts (valid time) or
 * is recorded (recorded time), so it is sampled at those points and equal neighbours are merged.
 *
 * @example
 * bitemporalRows(serviceFacts, (t) => (presentAt(serviceFacts, t) ? true : null))
 * // [{ validFrom: 100, validTo: OPEN_END, recordedAt: 5, supersededAt: OPEN_END, value: true }]
 */
export function bitemporalRows<V>(facts: readonly Fact[], valueAt: (t: Instant) => V | null): BitemporalRow<V>[] {
  const recordings = [...new Set(facts.map((f) => f.recordedAt))].sort(ascending);
  const done: BitemporalRow<V>[] = [];
  let open = new Map<string, BitemporalRow<V>>();
  for (const knownAt of recordings) {
    const starts = [...new Set(facts.filter((f) => f.recordedAt <= knownAt).map((f) => f.validFrom))].sort(ascending);
    const segments: { validFrom: number; validTo: number; value: V }[] = [];
    starts.forEach((at, i) => {
      const value = valueAt({ at, knownAt });
      const validTo = starts[i + 1] ?? OPEN_END;
      const last = segments[segments.length - 1];
      if (value === null) return;
      if (last && last.validTo === at && JSON.stringify(last.value) === JSON.stringify(value)) last.validTo = validTo;
      else segments.push({ validFrom: at, validTo, value });
    });
    const next = new Map<string, BitemporalRow<V>>();
    for (const s of segments) {
      const id = rowId({ ...s, recordedAt: 0, supersededAt: 0 });
      const kept = open.get(id);
      next.set(id, kept ?? { ...s, recordedAt: knownAt, supersededAt: OPEN_END });
      open.delete(id);
    }
    for (const gone of open.values()) done.push({ ...gone, supersededAt: knownAt });
    open = next;
  }
  return [...done, ...open.values()].sort((a, b) => a.recordedAt - b.recordedAt || a.validFrom - b.validFrom);
}

export interface RowChanges<V> {
  /** Rows still there whose knowledge ended: set their `supersededAt`. */
  supersede: BitemporalRow<V>[];
  /** Rows that did not exist yet. */
  add: BitemporalRow<V>[];
  /**
   * Rows that no longer exist. Only a fact recorded earlier than one already stored (clocks of
   * two writers out of step) rewrites the past like this; in-order recording only supersedes.
   */
  drop: BitemporalRow<V>[];
}

/** What to change in stored rows to make them equal `next`; rows are matched by `rowId`. */
export function planRowChanges<V>(stored: readonly BitemporalRow<V>[], next: readonly BitemporalRow<V>[]): RowChanges<V> {
  const before = new Map(stored.map((r) => [rowId(r), r]));
  const out: RowChanges<V> = { supersede: [], add: [], drop: [] };
  for (const r of next) {
    const id = rowId(r);
    const old = before.get(id);
    before.delete(id);
    if (!old) out.add.push(r);
    else if (old.supersededAt !== r.supersededAt) out.supersede.push(r);
  }
  out.drop.push(...before.values());
  return out;
}
