/**
 * Each service's dependencies one way (out: it calls; in: calls it), as dependency ordinals, for
 * traversals: all of them in one pool of ints, a service's lists as stretches of it found by the
 * service's ordinal. A traversal of a hub's neighbourhood expands hundreds of services; through
 * the index that is a map look-up by id and two arrays in the heap each, here three small dense
 * arrays and a stretch read in order.
 *
 * The index's lists only grow, and only when a dependency entity is made. A stretch stands while
 * the index holds as many dependencies as when it was read; after that, it is checked once against
 * the index's list (same length: same list) and read again when it has grown.
 */
import { withRoom } from './fact-columns.js';
import type { GraphIndex } from './graph-index.js';

export class Adjacency {
  private pool = new Int32Array(1024);
  private used = 0;
  /** Per slot (2 per service ordinal: out, in): where its stretch starts, its length, and the dependency count it was checked at, plus one (0: never read). */
  private starts = new Int32Array(0);
  private lengths = new Int32Array(0);
  private checked = new Int32Array(0);

  constructor(private readonly ix: GraphIndex) {}

  /** The slot of service ordinal `o`'s list one way, read from the index if it may have changed. */
  slot(o: number, dir: 'out' | 'in'): number {
    const slot = 2 * o + (dir === 'out' ? 0 : 1);
    const deps = this.ix.entities.dependency.size + 1;
    if (slot < this.checked.length && this.checked[slot] === deps) return slot;
    this.checked = withRoom(this.checked, slot + 1);
    this.starts = withRoom(this.starts, slot + 1);
    this.lengths = withRoom(this.lengths, slot + 1);
    const list = this.ix.linked(dir, this.ix.idOf(this.ix.entityOf('service', o)));
    if (this.checked[slot] === 0 || this.lengths[slot] !== list.length) this.place(slot, list);
    this.checked[slot] = deps;
    return slot;
  }

  /** Where a slot's stretch starts in the pool (read with `at`), and how long it is. */
  start(slot: number): number {
    return this.starts[slot] as number;
  }
  length(slot: number): number {
    return this.lengths[slot] as number;
  }
  /** The dependency ordinal at position `i` of the pool. */
  at(i: number): number {
    return this.pool[i] as number;
  }

  private place(slot: number, list: readonly number[]): void {
    if (this.used + list.length > this.pool.length) this.compact(list.length);
    const at = this.used;
    for (let i = 0; i < list.length; i++) this.pool[at + i] = this.ix.ordinalOf(list[i] as number);
    this.starts[slot] = at;
    this.lengths[slot] = list.length;
    this.used = at + list.length;
  }

  /** Moves the stretches in use to a pool with room for `more` (old stretches of grown lists are dropped). */
  private compact(more: number): void {
    let live = 0;
    for (let s = 0; s < this.checked.length; s++) if (this.checked[s] !== 0) live += this.lengths[s] as number;
    const pool = new Int32Array(Math.max(1024, 2 * (live + more)));
    let at = 0;
    for (let s = 0; s < this.checked.length; s++) {
      if (this.checked[s] === 0) continue;
      const n = this.lengths[s] as number;
      pool.set(this.pool.subarray(this.starts[s], (this.starts[s] as number) + n), at);
      this.starts[s] = at;
      at += n;
    }
    this.pool = pool;
    this.used = at;
  }
}
