/**
 * Each entity's state after each of its versions, kept for reads that know everything recorded
 * about it (`knownAt` at or after its last recorded time: "now", and any read with the default
 * `knownAt`). Such a read is valid at `at` sees exactly the versions up to `at`, so its answer is
 * the state after the last of them: a binary search and a look-up, where a fold would walk the
 * entity's history on every hop of a traversal.
 *
 * Entries are built on first use and stand while the entity's version count is the one they were
 * built from: facts are only ever added, and every added fact adds a version. Entities with long
 * histories are left to the fold (building costs the square of the versions).
 */
import type { EventType } from '../../../schema/events.js';
import type { Fact } from '../../model/facts.js';
import type { Instant, Versions } from '../../model/time.js';
import type { Attrs } from './fact-columns.js';
import type { GraphIndex } from './graph-index.js';

interface Entry<S> {
  readonly count: number;
  readonly lastRecordedAt: number;
  /** The last change and the state after it, apart: most reads land after it, and touch nothing more. */
  readonly lastFrom: number;
  readonly last: S | null;
  /** Valid times at which the entity changed, ascending (versions of equal valid time count once)... */
  readonly from: number[];
  /** ...and its state from each of them on (null: it does not exist then). Held here so a read touches nothing else. */
  readonly states: (S | null)[];
}

/** At most this many versions get an entry. */
const MAX_VERSIONS = 32;

/** The first `length` versions of an entity: what a read saw before the later ones. */
class Prefix implements Versions {
  constructor(
    private readonly v: Versions,
    readonly length: number,
  ) {}
  validFrom(i: number): number {
    return this.v.validFrom(i);
  }
  recordedAt(i: number): number {
    return this.v.recordedAt(i);
  }
  key(i: number): string {
    return this.v.key(i);
  }
  type(i: number): EventType {
    return this.v.type(i);
  }
  attrs(i: number): Attrs {
    return this.v.attrs(i);
  }
  fact(i: number): Fact {
    return this.v.fact(i);
  }
}

/** Sees every version given to it. */
const ALL: Instant = { at: Infinity, knownAt: Infinity };

export class VersionStates<S> {
  /** By the entity's ordinal within its kind (dense); undefined: not built yet. */
  private readonly entries: (Entry<S> | null | undefined)[] = [];

  constructor(
    private readonly ix: GraphIndex,
    /** The state of an entity from its versions at an instant: the same function a fold at other instants uses. */
    private readonly stateAt: (entity: number, versions: Versions, t: Instant) => S | null,
  ) {}

  /**
   * The state of `entity` at `t` when `t` knows every version of it (null: it does not exist
   * then); undefined when it does not, or the entity has too many versions (the caller folds).
   */
  at(entity: number, t: Instant): S | null | undefined {
    const ordinal = this.ix.ordinalOf(entity);
    while (this.entries.length <= ordinal) this.entries.push(undefined);
    let e = this.entries[ordinal];
    const count = this.ix.versionCount(entity);
    if (e === undefined || (e !== null && e.count !== count) || (e === null && count <= MAX_VERSIONS)) {
      e = this.build(entity);
      this.entries[ordinal] = e;
    }
    if (e === null || t.knownAt < e.lastRecordedAt) return undefined;
    if (t.at >= e.lastFrom) return e.last;
    const { from, states } = e;
    for (let j = from.length - 1; j >= 0; j--) if ((from[j] as number) <= t.at) return states[j];
    return null;
  }

  private build(entity: number): Entry<S> | null {
    const v = this.ix.versionsOf(entity);
    const n = v.length;
    if (n === 0 || n > MAX_VERSIONS) return null;
    let lastRecordedAt = -Infinity;
    const from: number[] = [];
    const states: (S | null)[] = [];
    for (let i = 0; i < n; i++) {
      lastRecordedAt = Math.max(lastRecordedAt, v.recordedAt(i));
      // A read never stops between versions of equal valid time.
      if (i + 1 < n && v.validFrom(i + 1) === v.validFrom(i)) continue;
      from.push(v.validFrom(i));
      states.push(this.stateAt(entity, i + 1 === n ? v : new Prefix(v, i + 1), ALL));
    }
    return { count: n, lastRecordedAt, lastFrom: from[from.length - 1] as number, last: states[states.length - 1] as S | null, from, states };
  }
}
