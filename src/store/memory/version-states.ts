/**
 * Each entity's state after each of its versions, kept for reads that know everything recorded
 * about it (`knownAt` at or after its last recorded time: "now", and any read with the default
 * `knownAt`). Such a read is valid at `at` sees exactly the versions up to `at`, so its answer is
 * the state after the last of them: a binary search and a look-up, where a fold would walk the
 * entity's history on every hop of a traversal.
 *
 * Entries are built on first use and stand until the entity gains a version (the index tells):
 * facts are only ever added, and every added fact adds a version. Entities with long histories are
 * left to the fold (building costs the square of the versions).
 */
import type { EventType } from '../../../schema/events.js';
import type { Fact, FactKind } from '../../model/facts.js';
import type { Instant, Versions } from '../../model/time.js';
import type { Attrs } from './fact-columns.js';
import type { GraphIndex } from './graph-index.js';

/** Change points of an entity before its last two, ascending, and its state from each on. */
interface Older<S> {
  readonly from: number[];
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

/**
 * Kept in dense arrays by the entity's ordinal within its kind, not an object per entity: a
 * traversal reads a few thousand entities at random, and these arrays stay in the CPU's caches
 * where objects spread over a heap of a million facts do not.
 */
export class VersionStates<S> {
  /** Per ordinal: 0 not built (or a version was added since), 1 built, 2 left to the fold. */
  private status = new Uint8Array(0);
  /** Per ordinal, three slots: the last recorded time, the last change's valid time, the one before it (-Infinity: none). */
  private times = new Float64Array(0);
  /** Per ordinal, two slots: the state from the last change on, and from the one before it. */
  private readonly states: (S | null)[] = [];
  /** Per ordinal: the changes before the last two, where there are any. */
  private readonly older: (Older<S> | undefined)[] = [];

  constructor(
    private readonly ix: GraphIndex,
    private readonly kind: FactKind,
    /** The state of an entity from its versions at an instant: the same function a fold at other instants uses. */
    private readonly stateAt: (entity: number, versions: Versions, t: Instant) => S | null,
  ) {
    ix.watchVersions(kind, (ordinal) => {
      if (ordinal < this.status.length) this.status[ordinal] = 0;
    });
  }

  /**
   * The state at `t` of the entity with ordinal `ordinal` when `t` knows every version of it
   * (null: it does not exist then); undefined when it does not, or the entity has too many
   * versions (the caller folds).
   */
  at(ordinal: number, t: Instant): S | null | undefined {
    if (ordinal >= this.status.length) this.grow(ordinal + 1);
    let status = this.status[ordinal] as number;
    if (status === 0) status = this.build(ordinal);
    if (status === 2) return undefined;
    const times = this.times;
    const i = 3 * ordinal;
    if (t.knownAt < (times[i] as number)) return undefined;
    if (t.at >= (times[i + 1] as number)) return this.states[2 * ordinal];
    if (t.at >= (times[i + 2] as number)) return this.states[2 * ordinal + 1];
    const older = this.older[ordinal];
    if (older === undefined) return null;
    const { from, states } = older;
    for (let j = from.length - 1; j >= 0; j--) if ((from[j] as number) <= t.at) return states[j];
    return null;
  }

  private grow(need: number): void {
    const n = Math.max(need, this.status.length * 2, 1024);
    const status = new Uint8Array(n);
    status.set(this.status);
    this.status = status;
    const times = new Float64Array(3 * n);
    times.set(this.times);
    this.times = times;
    while (this.states.length < 2 * n) this.states.push(null);
    while (this.older.length < n) this.older.push(undefined);
  }

  private build(ordinal: number): number {
    const entity = this.ix.entityOf(this.kind, ordinal);
    const v = this.ix.versionsOf(entity);
    const n = v.length;
    if (n === 0 || n > MAX_VERSIONS) {
      // Versions are only ever added: too many stays too many.
      this.status[ordinal] = n === 0 ? 0 : 2;
      return 2;
    }
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
    const m = from.length;
    const i = 3 * ordinal;
    this.times[i] = lastRecordedAt;
    this.times[i + 1] = from[m - 1] as number;
    this.times[i + 2] = m > 1 ? (from[m - 2] as number) : -Infinity;
    this.states[2 * ordinal] = states[m - 1] as S | null;
    this.states[2 * ordinal + 1] = m > 1 ? (states[m - 2] as S | null) : null;
    this.older[ordinal] = m > 2 ? { from: from.slice(0, m - 2), states: states.slice(0, m - 2) } : undefined;
    this.status[ordinal] = 1;
    return 1;
  }
}
