/**
 * The embedded store keeps each service's and dependency's state after each version for reads that
 * know everything recorded about them. Those kept states must always answer what a fold over the
 * versions answers, as facts keep arriving between reads: late, at equal valid times, past the
 * length where states are no longer kept, and for reads that know less.
 */
import { describe, expect, it } from 'vitest';
import type { CloudEventInput } from '../../schema/events.js';
import { createRandom } from '../../bench/random.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME, type Instant } from '../../src/model/time.js';
import { dependencyAt, presentAt, serviceAt } from '../../src/model/views.js';
import type { GraphIndex } from '../../src/store/memory/graph-index.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';

const BASE = Date.parse('2026-05-01T00:00:00Z');
const SERVICES = ['a', 'b', 'c', 'd', 'e'];

/** The graph at `t` by folding every entity's versions, without the store's kept states. */
function foldedGraph(ix: GraphIndex, t: Instant) {
  const services = [...ix.entities.service.keys()]
    .sort()
    .map((id) => serviceAt(id, ix.versions('service', id) ?? [], t))
    .filter((s) => s !== null);
  const present = (id: string) => presentAt(ix.versions('service', id) ?? [], t);
  const dependencies = [...ix.entities.dependency.keys()]
    .map((id) => ix.versions('dependency', id) ?? [])
    .map((v) => {
      const a = v[0]?.attrs as { from: string; to: string };
      return present(a.from) && present(a.to) ? dependencyAt(`${a.from}\u001f${a.to}`, v, t) : null;
    })
    .filter((d) => d !== null)
    .sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : 0));
  return { services, dependencies };
}

/** Breadth-first over the folded graph, both ways: each reached service at its fewest hops, and every dependency that leaves a service short of `depth`. */
function foldedNeighbourhood(g: ReturnType<typeof foldedGraph>, center: string, depth: number) {
  const hops = new Map([[center, 0]]);
  for (let d = 1; d <= depth; d++) {
    for (const x of g.dependencies) {
      for (const [a, b] of [[x.from, x.to], [x.to, x.from]] as const) if (hops.get(a) === d - 1 && !hops.has(b)) hops.set(b, d);
    }
  }
  const short = (s: string) => (hops.get(s) ?? depth) < depth;
  return {
    services: [...hops].map(([id, d]) => `${id}@${d}`).sort(),
    dependencies: g.dependencies.filter((x) => short(x.from) || short(x.to)).map((x) => `${x.from}>${x.to}`).sort(),
  };
}

describe('kept states of services and dependencies', () => {
  for (const seed of [1, 2, 3]) {
    it(`answer as the fold does while facts keep arriving (seed ${seed})`, async () => {
      const r = createRandom(seed);
      const ev = createEvents();
      let clock = BASE + 1_000_000;
      const { store } = await EmbeddedStore.open({ dataDir: null });
      const pipeline = createPipeline({ store, now: () => clock });
      const recorded: number[] = [];
      // Few distinct valid times, so equal-time versions are common; 'a' -> 'b' gets a long history.
      const time = () => new Date(BASE + 60_000 * Math.floor(r.between(0, 12))).toISOString();
      const event = (): CloudEventInput => {
        const x = r.between(0, 1);
        const from = r.pick(SERVICES);
        const to = r.pick(SERVICES.filter((s) => s !== from));
        if (x < 0.25) return ev.serviceUpserted(time(), { service: r.pick(SERVICES), tier: Math.floor(r.between(1, 4)), team: r.pick(['x', 'y']) });
        if (x < 0.3) return ev.serviceRetired(time(), { service: r.pick(SERVICES) });
        if (x < 0.55) return ev.dependencyUpserted(time(), { from: 'a', to: 'b', rps: Math.floor(r.between(1, 100)) });
        if (x < 0.9) return ev.dependencyUpserted(time(), { from, to, ...(r.between(0, 1) < 0.5 ? { protocol: r.pick(['grpc', 'http']) } : {}) });
        return ev.dependencyRemoved(time(), { from, to });
      };
      for (let round = 0; round < 60; round++) {
        clock += 1_000;
        recorded.push(clock);
        const outcome = await pipeline.ingest(Array.from({ length: 1 + Math.floor(r.between(0, 4)) }, event));
        expect(outcome.ok).toBe(true);
        for (let q = 0; q < 3; q++) {
          const knownAt = r.between(0, 1) < 0.7 ? END_OF_TIME : r.pick(recorded);
          const t = { at: BASE + 60_000 * r.between(-1, 13), knownAt };
          expect(await store.graphAt(t)).toEqual(foldedGraph(store.index, t));
          const center = r.pick(SERVICES);
          const depth = r.pick([1, 2]);
          const n = await store.neighbourhood(center, t, depth, 'both');
          const g = foldedGraph(store.index, t);
          expect(n === null).toBe(!g.services.some((s) => s.id === center));
          for (const s of n?.services ?? []) expect(s.service).toEqual(g.services.find((x) => x.id === s.service.id));
          // Dependencies made between reads are followed: the traversal keeps lists of its own.
          if (n) {
            expect({
              services: n.services.map((s) => `${s.service.id}@${s.depth}`).sort(),
              dependencies: n.dependencies.map((x) => `${x.from}>${x.to}`).sort(),
            }).toEqual(foldedNeighbourhood(g, center, depth));
          }
        }
      }
      // The long history went past the length up to which states are kept.
      expect(store.index.versions('dependency', 'a\u001fb')?.length ?? 0).toBeGreaterThan(32);
      await store.close();
    });
  }
});
