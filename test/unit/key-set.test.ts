import { describe, expect, it } from 'vitest';
import { createRandom } from '../../bench/random.js';
import { KeySet } from '../../src/store/memory/key-set.js';

describe('KeySet (the embedded store\'s event keys)', () => {
  it('answers as a Set does through adds, repeats and removals, across growth and reuse of removed slots', () => {
    const r = createRandom(7);
    const mine = new KeySet();
    const theirs = new Set<string>();
    const keyOf = (n: number): string => `source-${n % 3}\u0000evt-${n}`;
    for (let step = 0; step < 60_000; step++) {
      const key = keyOf(Math.floor(r.between(0, 20_000)));
      const op = r.between(0, 1);
      if (op < 0.6) {
        const fresh = !theirs.has(key);
        theirs.add(key);
        expect(mine.add(key)).toBe(fresh);
      } else if (op < 0.8) expect(mine.delete(key)).toBe(theirs.delete(key));
      else expect(mine.has(key)).toBe(theirs.has(key));
      expect(mine.size).toBe(theirs.size);
    }
    for (let n = 0; n < 20_000; n++) expect(mine.has(keyOf(n))).toBe(theirs.has(keyOf(n)));
  });

  it('tells apart keys that differ only past a separator, and the empty key', () => {
    const keys = new KeySet();
    for (const k of ['a\u0000b', 'a\u0000bb', 'ab', '', 'caf\u00e9\u0000\u{1F680}']) expect(keys.add(k)).toBe(true);
    for (const k of ['a\u0000b', '', 'caf\u00e9\u0000\u{1F680}']) expect(keys.add(k)).toBe(false);
    expect(keys.size).toBe(5);
    expect(keys.has('a\u0000')).toBe(false);
  });
});
