import { describe, expect, it } from 'vitest';
import { createRandom } from '../../bench/random.js';
import { StringTable } from '../../src/store/memory/string-table.js';

describe('StringTable (entity ids and shared values by string)', () => {
  it('finds every string added, as a Map does, across growth, with fresh copies of the strings looked up', () => {
    const r = createRandom(11);
    const strings: string[] = [];
    const table = new StringTable(strings);
    const theirs = new Map<string, number>();
    const idOf = (n: number): string => (n % 5 === 0 ? `säule-${n}-🚀` : `alert-${n}`);
    for (let step = 0; step < 40_000; step++) {
      // Through JSON, as the store gets them: equal strings, never the same one.
      const id = JSON.parse(JSON.stringify(idOf(Math.floor(r.between(0, 15_000))))) as string;
      const known = theirs.get(id) ?? -1;
      expect(table.get(id)).toBe(known);
      if (known < 0) {
        const n = strings.push(id) - 1;
        theirs.set(id, n);
        expect(table.add(n)).toBe(theirs.size - 1);
      }
    }
    expect(table.size).toBe(theirs.size);
    expect([...table]).toEqual([...theirs]);
    expect([...table.keys()]).toEqual([...theirs.keys()]);
    expect([...table.values()]).toEqual([...theirs.values()]);
    expect(table.at(3)).toBe([...theirs.values()][3]);
  });

  it('tells apart strings that differ in one character, the empty string and non-ASCII ones', () => {
    const strings = ['a', 'b', '', 'ab', 'ba', 'caf\u00e9', 'cafe\u0301', '\u{1F680}'];
    const table = new StringTable(strings);
    strings.forEach((_, n) => table.add(n));
    strings.forEach((s, n) => expect(table.get(s)).toBe(n));
    for (const s of ['c', 'abc', 'cafe', '\u{1F681}']) expect(table.get(s)).toBe(-1);
  });
});
