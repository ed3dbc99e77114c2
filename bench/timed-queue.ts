/**
 * A min-heap of events by emission time, ties broken by insertion order, so that episodes planned
 * ahead (a deploy now, its rollback in 20 minutes) come out as one time-ordered, deterministic stream.
 */
interface Entry<T> {
  at: number;
  seq: number;
  value: T;
}

const before = <T>(a: Entry<T>, b: Entry<T>): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class TimedQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, value: T): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, value });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i] as Entry<T>, h[p] as Entry<T>)) break;
      [h[i], h[p]] = [h[p] as Entry<T>, h[i] as Entry<T>];
      i = p;
    }
  }

  /** The earliest entry's time, or Infinity when empty. */
  peekAt(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  pop(): T | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (!top || !last) return undefined;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l] as Entry<T>, h[m] as Entry<T>)) m = l;
        if (r < h.length && before(h[r] as Entry<T>, h[m] as Entry<T>)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Entry<T>, h[i] as Entry<T>];
        i = m;
      }
    }
    return top.value;
  }
}
