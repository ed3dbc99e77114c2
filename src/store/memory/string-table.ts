/**
 * Strings of a list found by value: string -> its number in the list, and the numbers in the order
 * they were added. The embedded store looks up an entity id (and a repeated attribute value) for
 * every fact it indexes, among hundreds of thousands, each a fresh string from JSON.parse. Open
 * addressing over one typed array of [hash, number + 1] pairs, with the hash computed here (as
 * `KeySet` does): a look-up reads one slot and, where the hashes agree, the string; a `Map` of that
 * size hashes through the runtime and reads a bucket, an entry and the key (660k fresh ids, half
 * of them new, alternating in one process: 171-206 against 225-364 ms). The strings are the
 * caller's list (`strings`, by number), so the table holds no copy of them.
 */
import { hashOf } from './key-set.js';

export class StringTable {
  /** Per slot, two ints: the string's hash, then 1 + its number (0: empty). */
  private slots = new Int32Array(2 * 64);
  private readonly order: number[] = [];

  get size(): number {
    return this.order.length;
  }

  constructor(private readonly strings: readonly string[]) {}

  /** The number of `s`; -1 when it has none. */
  get(s: string): number {
    const h = hashOf(s) | 0;
    const mask = (this.slots.length >> 1) - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = this.slots[2 * i + 1] as number;
      if (e === 0) return -1;
      if (this.slots[2 * i] === h && this.strings[e - 1] === s) return e - 1;
    }
  }

  /** Adds number `n`, whose string (`strings[n]`) has no number here yet; returns how many were added before it. */
  add(n: number): number {
    if ((this.size + 1) * 2 > this.slots.length >> 1) this.grow();
    this.put(hashOf(this.strings[n] as string) | 0, n);
    return this.order.push(n) - 1;
  }

  /** The `i`-th number added. */
  at(i: number): number {
    return this.order[i] as number;
  }

  /** The numbers, in the order added. */
  *values(): IterableIterator<number> {
    yield* this.order;
  }

  /** The strings, in the order added. */
  *keys(): IterableIterator<string> {
    for (const n of this.values()) yield this.strings[n] as string;
  }

  /** [string, number] pairs, in the order added. */
  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (const n of this.values()) yield [this.strings[n] as string, n];
  }

  private put(h: number, n: number): void {
    const mask = (this.slots.length >> 1) - 1;
    let i = h & mask;
    while (this.slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    this.slots[2 * i] = h;
    this.slots[2 * i + 1] = n + 1;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let j = 0; j < old.length; j += 2) if (old[j + 1] !== 0) this.put(old[j] as number, (old[j + 1] as number) - 1);
  }
}
