import { describe, expect, it } from 'vitest';
import { createRandom } from '../../bench/random.js';
import { SEP } from '../../src/model/facts.js';
import { Adjacency } from '../../src/store/memory/adjacency.js';
import { GraphIndex } from '../../src/store/memory/graph-index.js';

describe('Adjacency (the traversal\'s lists of dependencies per service)', () => {
  it('lists what the index lists, as dependencies and services keep arriving between reads', () => {
    const r = createRandom(11);
    const ix = new GraphIndex();
    const adjacency = new Adjacency(ix);
    const names = Array.from({ length: 60 }, (_, i) => `s${i}`);
    let n = 0;
    const add = (kind: 'service' | 'dependency', id: string, attrs: Record<string, string>) => {
      const key = `src\u0000e${n++}`;
      ix.addEvent(key, [{ kind, id, validFrom: n, recordedAt: n, key, type: `${kind}.upserted`, attrs }]);
    };
    // Thousands of dependencies: the pool is compacted several times on the way.
    for (let step = 0; step < 3_000; step++) {
      const from = r.pick(names);
      const to = r.pick(names);
      if (r.between(0, 1) < 0.1) add('service', from, { service: from });
      else add('dependency', `${from}${SEP}${to}`, { from, to });
      for (let q = 0; q < 2; q++) {
        const s = r.pick(names);
        const e = ix.entity('service', s);
        if (e < 0) continue;
        for (const dir of ['out', 'in'] as const) {
          const slot = adjacency.slot(ix.ordinalOf(e), dir);
          const got = Array.from({ length: adjacency.length(slot) }, (_, i) => adjacency.at(adjacency.start(slot) + i));
          expect(got).toEqual(ix.linked(dir, s).map((d) => ix.ordinalOf(d)));
        }
      }
    }
  });
});
