/**
 * CONTRACT §1: events may arrive late, out of order, or more than once, and the graph must end up
 * exactly as if each had arrived once, in valid-time order. Random event streams over a small
 * universe (coarse times, so equal times are common) are delivered shuffled, with repeats and in
 * random batches; the store must agree with the independent oracle at random instants, and with a
 * store fed the same events once, in order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CloudEvent, type CloudEventInput, parseEvent } from '../../schema/events.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME, type Instant } from '../../src/model/time.js';
import type { GraphStore } from '../../src/store/graph-store.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { type OracleGraph, oracleGraph, type StoredEvent } from '../oracle/graph-oracle.js';
import { createEvents } from '../support/events.js';

const SERVICES = ['s1', 's2', 's3', 's4'] as const;
const ALERT_SERVICE: Record<string, string> = { a1: 's1', a2: 's2', a3: 's2' };
const T0 = Date.parse('2026-05-01T10:00:00Z');
const SLOTS = 6;
const R0 = Date.parse('2026-06-01T00:00:00Z');
const iso = (slot: number): string => new Date(T0 + slot * 60_000).toISOString();

const service = fc.constantFrom(...SERVICES);
const slot = fc.integer({ min: 0, max: SLOTS - 1 });
const edge = fc.tuple(service, service).filter(([a, b]) => a !== b);

/** One producer action; deploys carry their own finish so a finish never precedes its start. */
const action = fc.oneof(
  fc.record(
    { kind: fc.constant('upsert' as const), slot, service, tier: fc.integer({ min: 1, max: 4 }), team: fc.constantFrom('red', 'blue'), tags: fc.constantFrom(['x'], ['y', 'z']) },
    { requiredKeys: ['kind', 'slot', 'service'] },
  ),
  fc.record({ kind: fc.constant('retire' as const), slot, service }),
  fc.record(
    { kind: fc.constant('depUpsert' as const), slot, edge, critical: fc.boolean(), rps: fc.integer({ min: 1, max: 3 }) },
    { requiredKeys: ['kind', 'slot', 'edge'] },
  ),
  fc.record({ kind: fc.constant('depRemove' as const), slot, edge }),
  fc.record(
    {
      kind: fc.constant('deploy' as const),
      slot,
      service,
      version: fc.constantFrom('v1', 'v2', 'v3'),
      previousVersion: fc.constant('v0'),
      finish: fc.record({ after: fc.integer({ min: 0, max: 3 }), status: fc.constantFrom('succeeded' as const, 'failed' as const, 'rolled_back' as const) }),
    },
    { requiredKeys: ['kind', 'slot', 'service', 'version'] },
  ),
  fc.record(
    { kind: fc.constant('config' as const), slot, service, key: fc.constantFrom('k1', 'k2'), value: fc.integer({ min: 1, max: 3 }), services: fc.subarray([...SERVICES], { minLength: 1 }) },
    { requiredKeys: ['kind', 'slot', 'service', 'key', 'value'] },
  ),
  fc.record({ kind: fc.constantFrom('fire' as const, 'resolve' as const), slot, alert: fc.constantFrom('a1', 'a2', 'a3') }),
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

/** The events of the actions, each with a unique (source, id) whose order is unrelated to time. */
function eventsOf(actions: readonly Action[], sources: readonly boolean[]): CloudEvent[] {
  const ev = createEvents();
  let n = 0;
  // Unpadded ids ("10" < "9") and two sources, so key order and generation order disagree.
  const key = () => ({ source: sources[n % sources.length] ? 'b' : 'a', id: String(n++) });
  const out: CloudEventInput[] = [];
  actions.forEach((a, i) => {
    const t = iso(a.slot);
    switch (a.kind) {
      case 'upsert': {
        const { kind: _k, slot: _s, tags, ...data } = a;
        out.push(ev.serviceUpserted(t, { ...data, ...(tags ? { tags: [...tags] } : {}) }, key()));
        break;
      }
      case 'retire':
        out.push(ev.serviceRetired(t, { service: a.service }, key()));
        break;
      case 'depUpsert':
        out.push(ev.dependencyUpserted(t, { from: a.edge[0], to: a.edge[1], ...(a.critical === undefined ? {} : { critical: a.critical }), ...(a.rps === undefined ? {} : { rps: a.rps }) }, key()));
        break;
      case 'depRemove':
        out.push(ev.dependencyRemoved(t, { from: a.edge[0], to: a.edge[1] }, key()));
        break;
      case 'deploy': {
        const deploy = `d${i}`;
        out.push(ev.deployStarted(t, { deploy, service: a.service, version: a.version, ...(a.previousVersion ? { previousVersion: a.previousVersion } : {}) }, key()));
        if (a.finish) out.push(ev.deployFinished(iso(a.slot + a.finish.after), { deploy, status: a.finish.status }, key()));
        break;
      }
      case 'config':
        out.push(ev.configChanged(t, { change: `c${i}`, service: a.service, key: a.key, value: a.value, ...(a.services ? { services: a.services } : {}) }, key()));
        break;
      case 'fire':
        out.push(ev.alertFired(t, { alert: a.alert, service: ALERT_SERVICE[a.alert] as string, signal: 'errors' }, key()));
        break;
      case 'resolve':
        out.push(ev.alertResolved(t, { alert: a.alert }, key()));
        break;
    }
  });
  return out.map((e) => {
    const r = parseEvent(e);
    if (!r.ok) throw new Error(`generator made an invalid event: ${JSON.stringify(r.issues)}`);
    return r.event;
  });
}

/** What the store says, in the oracle's shape, so the two compare with one `toEqual`. */
async function storeView(store: GraphStore, t: Instant): Promise<OracleGraph> {
  const g = await store.graphAt(t);
  const services = await Promise.all(
    g.services.map(async (s) => {
      const d = await store.service(s.id, t);
      if (!d) throw new Error(`graphAt lists ${s.id} but service() does not find it`);
      const attributes = Object.fromEntries(
        (['name', 'kind', 'team', 'tier', 'zone', 'slo', 'tags'] as const)
          .filter((k) => s[k] !== null && !(k === 'tags' && s.tags.length === 0))
          .map((k) => [k, s[k]]),
      );
      return {
        id: s.id,
        attributes,
        since: s.since,
        running: d.running,
        config: Object.fromEntries(d.config.map((c) => [c.key, { value: c.value, change: c.change, since: c.since }])),
        activeAlerts: d.activeAlerts.map((a) => ({ id: a.id, firedAt: a.firedAt })).sort((a, b) => (a.id < b.id ? -1 : 1)),
        // The detail's edges must be the snapshot's edges of this service.
        edges: [...d.dependsOn.map((x) => `${x.from}>${x.to}`), ...d.dependedOnBy.map((x) => `${x.from}>${x.to}`)].sort(),
      };
    }),
  );
  const dependencies = [...g.dependencies].sort((a, b) => (a.from !== b.from ? (a.from < b.from ? -1 : 1) : a.to < b.to ? -1 : 1));
  for (const s of services) {
    expect(s.edges).toEqual(dependencies.filter((x) => x.from === s.id || x.to === s.id).map((x) => `${x.from}>${x.to}`).sort());
  }
  return {
    services: services.map(({ edges: _e, ...s }) => s).sort((a, b) => (a.id < b.id ? -1 : 1)),
    dependencies,
  };
}

/** Time-ordered reads whose order and content must not depend on arrival order either. */
async function windowReads(store: GraphStore, t: Instant) {
  const from = T0 + 60_000;
  const strip = <T extends { recordedAt?: number }>(x: T) => ({ ...x, recordedAt: undefined });
  return {
    changes: (await store.changes(from, t.at, t.knownAt)).map(strip),
    changesOf: await Promise.all(SERVICES.map(async (s) => (await store.changes(from, t.at, t.knownAt, s)).map(strip))),
    deploys: await store.deploysBetween(SERVICES, from, t),
    configs: await store.configChangesBetween(SERVICES, from, t),
    alerts: await store.alertsBetween(SERVICES, from, t),
  };
}

const scenario = fc.record({
  actions: fc.array(action, { minLength: 1, maxLength: 30 }),
  sources: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
  repeats: fc.array(fc.nat(), { maxLength: 10 }),
  shuffle: fc.array(fc.nat(), { minLength: 50, maxLength: 50 }),
  cuts: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
  instants: fc.array(fc.tuple(fc.integer({ min: -1, max: SLOTS + 3 }), fc.nat()), { minLength: 4, maxLength: 4 }),
});

describe('order independence', () => {
  it('late, reordered, repeated delivery in random batches gives the graph of each event once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ actions, sources, repeats, shuffle, cuts, instants }) => {
        const unique = eventsOf(actions, sources);
        const stream = [...unique, ...repeats.map((r) => unique[r % unique.length] as CloudEvent)]
          .map((e, i) => ({ e, i, k: shuffle[i % shuffle.length] as number }))
          .sort((a, b) => a.k - b.k || a.i - b.i)
          .map((x) => x.e);

        const { store } = await EmbeddedStore.open({ dataDir: null });
        const { store: inOrder } = await EmbeddedStore.open({ dataDir: null });
        try {
          let clock = R0;
          const pipeline = createPipeline({ store, now: () => clock });
          const recordedAt = new Map<string, number>();
          const batchTimes = [R0];
          let batch: CloudEvent[] = [];
          const flush = async () => {
            for (const e of batch) if (!recordedAt.has(`${e.source}/${e.id}`)) recordedAt.set(`${e.source}/${e.id}`, clock);
            const r = await pipeline.store(batch);
            expect(r.accepted + r.duplicates).toBe(batch.length);
            batch = [];
            clock += 1000;
            batchTimes.push(clock);
          };
          for (const [i, e] of stream.entries()) {
            batch.push(e);
            if (cuts[i % cuts.length] === true) await flush();
          }
          if (batch.length > 0) await flush();
          expect((await store.stats()).events).toBe(unique.length);

          const ordered = [...unique].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
          const inOrderPipeline = createPipeline({ store: inOrder, now: () => R0 });
          for (const e of ordered) expect(await inOrderPipeline.store([e])).toMatchObject({ accepted: 1 });

          const stored: StoredEvent[] = unique.map((event) => ({ event, recordedAt: recordedAt.get(`${event.source}/${event.id}`) as number }));
          for (const [s, k] of instants) {
            const knownAt = k % (batchTimes.length + 1) === batchTimes.length ? END_OF_TIME : (batchTimes[k % (batchTimes.length + 1)] as number) - 1;
            const t = { at: T0 + s * 60_000, knownAt };
            expect(await storeView(store, t)).toEqual(oracleGraph(stored, t.at, t.knownAt));
            const all = { at: t.at, knownAt: END_OF_TIME };
            expect(await storeView(store, all)).toEqual(await storeView(inOrder, all));
            expect(await windowReads(store, all)).toEqual(await windowReads(inOrder, all));
          }
        } finally {
          await store.close();
          await inOrder.close();
        }
      }),
      { seed: 20260501, numRuns: 500 },
    );
  });
});
