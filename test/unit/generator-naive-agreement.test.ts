import { describe, expect, it } from 'vitest';
import { generateProduction } from '../../bench/generate.js';
import { NaiveFacts } from '../../bench/naive.js';
import { createRandom } from '../../bench/random.js';
import { type CloudEvent, parseEvent } from '../../schema/events.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';

// The benchmark's speed-ups mean something only if the store and the naive scan give the same answers.
describe('the store against a linear scan over a generated history', () => {
  it('agrees on neighbourhoods and whole graphs at random instants', async () => {
    const { topology, events } = generateProduction({ seed: 5, services: 80, dependencies: 320, events: 4_000, days: 3, lateFraction: 0.05 });
    const { store } = await EmbeddedStore.open({ dataDir: null });
    const r1 = await createPipeline({ store, now: () => 1 }).ingest(events);
    expect(r1.ok).toBe(true);
    const naive = new NaiveFacts();
    naive.add(events.map((e) => (parseEvent(e) as { ok: true; event: CloudEvent }).event), 1);

    const r = createRandom(9);
    const from = Date.parse(events[0]?.time ?? '');
    const to = from + 3 * 86_400_000;
    for (let i = 0; i < 40; i++) {
      const t = { at: Math.floor(r.between(from, to)), knownAt: END_OF_TIME };
      const center = r.pick(topology.services).id;
      const direction = r.pick(['in', 'out', 'both'] as const);
      const got = await store.neighbourhood(center, t, 3, direction);
      const expected = naive.neighbourhood(center, t, 3, direction);
      expect(got && new Map(got.services.map((s) => [s.service.id, s.depth])), `${center} ${direction} at ${t.at}`).toEqual(expected);
      if (i % 10 === 0) {
        const g = await store.graphAt(t);
        const n = naive.graphAt(t);
        const key = (d: { from: string; to: string; critical: boolean }) => `${d.from}>${d.to}:${d.critical}`;
        expect(new Set(g.dependencies.map(key))).toEqual(new Set(n.dependencies.map(key)));
        expect(new Set(g.services.map((s) => s.id))).toEqual(new Set(n.services.map((s) => s.id)));
      }
    }
  });
});
