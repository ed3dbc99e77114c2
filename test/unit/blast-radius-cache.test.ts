/**
 * Blast radius at "now" reuses what it read while the topology stands, and never answers from a
 * topology that changed: new callers, late events and future-dated dependencies all show at once.
 */
import { describe, expect, it } from 'vitest';
import type { BlastRadius } from '../../src/analysis/blast-radius.js';
import { createBlastRadiusReader } from '../../src/analysis/blast-radius-slice.js';
import { createGraphWatch, type GraphWatch } from '../../src/analysis/blast-radius-watch.js';
import { createPipeline, type Pipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME } from '../../src/model/time.js';
import type { GraphReader } from '../../src/store/graph-store.js';
import { ev, production, T0 } from './control-fixtures.js';

const HOUR = 3_600_000;
const NOW = { at: null, knownAt: END_OF_TIME };

async function open() {
  const { store, pipeline } = await production();
  const clock = { now: T0 + HOUR };
  const reads = { neighbourhood: 0, graphAt: 0 };
  // The store, counting the reads a cache should spare.
  const reader: GraphReader = Object.assign(Object.create(store) as GraphReader, {
    neighbourhood: (...a: Parameters<GraphReader['neighbourhood']>) => {
      reads.neighbourhood++;
      return store.neighbourhood(...a);
    },
    graphAt: (...a: Parameters<GraphReader['graphAt']>) => {
      reads.graphAt++;
      return store.graphAt(...a);
    },
  });
  const br = createBlastRadiusReader({ reader, now: () => clock.now });
  const radius = async (service: string): Promise<BlastRadius> => {
    const r = await br.compute({ kind: 'DEPLOY', service }, NOW);
    if (!r.ok) throw new Error(r.message);
    return r.blastRadius;
  };
  const ingest = async (events: object[]) => expect((await pipeline.ingest(events)).ok).toBe(true);
  return { store, clock, reads, radius, ingest };
}

const callers = (b: BlastRadius): string[] => b.services.map((s) => s.service).sort();

describe('blast radius at now, cached', () => {
  it('answers the callers of any service it has seen from memory, across alerts', async () => {
    const g = await open();
    const db = await g.radius('db');
    expect(g.reads.neighbourhood).toBe(1);
    // api lies inside db's in-neighbourhood: all its callers are known already.
    expect(callers(await g.radius('api'))).toEqual(['api', 'mobile', 'web']);
    await g.ingest([ev('alert.fired', T0 + HOUR - 5_000, { alert: 'a1', service: 'db', signal: 'errors', severity: 'critical' })]);
    expect(await g.radius('db')).toEqual(db);
    expect(g.reads).toEqual({ neighbourhood: 1, graphAt: 1 });
  });

  it('answers a service it never read about from the whole-graph read, as a fresh reader does', async () => {
    const g = await open();
    await g.radius('db');
    // cache lies outside db's callers: only the whole graph (read for entry traffic) tells its own.
    const fresh = createBlastRadiusReader({ reader: g.store, now: () => g.clock.now });
    const cache = await fresh.compute({ kind: 'DEPLOY', service: 'cache' }, NOW);
    expect(cache.ok && callers(cache.blastRadius)).toEqual(['api', 'cache', 'mobile', 'web']);
    expect(await g.radius('cache')).toEqual(cache.ok && cache.blastRadius);
    expect(g.reads.neighbourhood).toBe(1);
    // A new caller moves the topology: that answer is read again, not taken from the old graph.
    await g.ingest([ev('dependency.upserted', T0 + HOUR - 1000, { from: 'batch', to: 'cache' })]);
    expect(callers(await g.radius('cache'))).toEqual(['api', 'batch', 'cache', 'mobile', 'web']);
  });

  it('sees a new caller, a removed dependency and a changed attribute at once', async () => {
    const g = await open();
    await g.radius('db');
    await g.ingest([ev('service.upserted', T0 + HOUR - 1000, { service: 'jobs', tier: 1 }), ev('dependency.upserted', T0 + HOUR - 1000, { from: 'jobs', to: 'db' })]);
    const grown = await g.radius('db');
    expect(grown.services).toContainEqual(expect.objectContaining({ service: 'jobs', depth: 1, critical: true }));
    expect(grown.tier1).toContain('jobs');
    await g.ingest([ev('dependency.removed', T0 + HOUR - 500, { from: 'cart', to: 'db' })]);
    expect(callers(await g.radius('db'))).not.toContain('cart');
    await g.ingest([ev('service.upserted', T0 + HOUR - 400, { service: 'web', zone: 'public' })]);
    expect((await g.radius('db')).zones).toContain('public');
  });

  it('sees an event that arrives late, with a valid time long before the last look', async () => {
    const g = await open();
    await g.radius('db');
    await g.ingest([ev('dependency.removed', T0 + 60_000, { from: 'api', to: 'db' })]);
    expect(callers(await g.radius('db'))).toEqual(['batch', 'cart', 'db', 'web']);
  });

  it('counts a dependency dated in the future once its time has come, with no event in between', async () => {
    const g = await open();
    await g.ingest([ev('dependency.upserted', T0 + 2 * HOUR, { from: 'cache', to: 'db' })]);
    expect(callers(await g.radius('db'))).not.toContain('cache');
    g.clock.now = T0 + 2 * HOUR + 1;
    expect(callers(await g.radius('db'))).toContain('cache');
  });
});

/** An action event appended as the control layer does: announced to the watch as it is written. */
function ownAction(pipeline: Pipeline, watch: GraphWatch, id: string, at: number) {
  const write = pipeline.ingest([ev('action.proposed', at, { action: id, service: 'db', kind: 'DEPLOY', parameters: {}, rolloutPercent: 10, reversible: true, destructive: false, justification: 'x', evidence: [] })]);
  watch.appending(
    write.then(() => [{ topic: 'action' as const }]),
    1,
  );
  return write;
}

describe('graph watch', () => {
  it('moves the topology generation for topology facts only, and every generation when it cannot tell', async () => {
    const { store, pipeline } = await production();
    const watch = createGraphWatch(store);
    const now = T0 + HOUR;
    const topo = () => watch.generation(['service', 'dependency'], now);
    const alerts = () => watch.generation(['alert'], now);
    const [t0, a0] = [await topo(), await alerts()];
    await pipeline.ingest([ev('alert.fired', now - 1000, { alert: 'x', service: 'db', signal: 'errors' })]);
    expect(await topo()).toBe(t0);
    const a1 = await alerts();
    expect(a1).not.toBe(a0);
    await pipeline.ingest([ev('dependency.upserted', now - 1000, { from: 'cache', to: 'db' })]);
    const t1 = await topo();
    expect(t1).not.toBe(t0);
    expect(await alerts()).toBe(a1);
    // Valid an hour before the last look, recorded now (an alert sent long after it began firing):
    // placed by when it was recorded, it moves the alerts only.
    await pipeline.ingest([ev('alert.fired', T0, { alert: 'y', service: 'db', signal: 'errors' })]);
    expect(await topo()).toBe(t1);
    const a2 = await alerts();
    expect(a2).not.toBe(a1);
    // A dependency dated as late moves the topology.
    await pipeline.ingest([ev('dependency.removed', T0, { from: 'cache', to: 'db' })]);
    const t2 = await topo();
    expect(t2).not.toBe(t1);
    // A writer whose clock lags the last read's latest record by more than the slack: the watch
    // cannot find its event, so every generation moves.
    const lagging = createPipeline({ store, now: () => (Date.now() - 60_000) });
    await lagging.ingest([ev('alert.fired', now - 1000, { alert: 'z', service: 'db', signal: 'errors' })]);
    expect(await topo()).not.toBe(t2);
    expect(await alerts()).not.toBe(a2);
  });

  it("takes this process's own announced appends without reading the changes, and still sees anyone else's", async () => {
    const { store, pipeline } = await production();
    let reads = 0;
    const reader = {
      stats: () => store.stats(),
      changes: (...a: Parameters<typeof store.changes>) => (reads++, store.changes(...a)),
      changesRecordedAfter: (after: number) => (reads++, store.changesRecordedAfter(after)),
    };
    const watch = createGraphWatch(reader);
    const now = T0 + HOUR;
    const topo = () => watch.generation(['service', 'dependency'], now);
    const actions = () => watch.generation(['action'], now);
    const [t0, a0] = [await topo(), await actions()];
    const readsBefore = reads;
    const own = (id: string) => ownAction(pipeline, watch, id, now - 1000);
    // Our own action events, awaited or not: the topology stands, the actions moved, nothing was read.
    await own('a1');
    void own('a2');
    expect(await topo()).toBe(t0);
    expect(await actions()).not.toBe(a0);
    expect(reads).toBe(readsBefore);
    // Someone else's dependency arriving with our own events is seen at once.
    void own('a3');
    await pipeline.ingest([ev('dependency.upserted', now - 1000, { from: 'cache', to: 'db' })]);
    expect(await topo()).not.toBe(t0);
    expect(reads).toBeGreaterThan(readsBefore);
  });

  it('reads after a run of its own events alone, so that a later read finds few of them again', async () => {
    const { store, pipeline } = await production();
    const reads: number[] = [];
    const reader = { stats: () => store.stats(), changes: store.changes, changesRecordedAfter: async (after: number) => {
      const c = await store.changesRecordedAfter(after);
      reads.push(c.length);
      return c;
    } };
    const watch = createGraphWatch(reader, { ownBetweenReads: 2 });
    const now = T0 + HOUR;
    const topo = () => watch.generation(['service', 'dependency'], now);
    const t0 = await topo();
    const first = reads.length;
    for (const id of ['a1', 'a2']) {
      await ownAction(pipeline, watch, id, now - 1000);
      expect(await topo()).toBe(t0);
    }
    expect(reads.length).toBe(first);
    // The third of our own events since the last read: this look reads, and finds nothing else moved.
    await ownAction(pipeline, watch, 'a3', now - 1000);
    expect(await topo()).toBe(t0);
    expect(reads.length).toBe(first + 1);
  });

  it('counts a look that found only its own events as the last look: exact across it, and a late dependency still moves the topology', async () => {
    const { store, pipeline } = await production();
    const watch = createGraphWatch(store);
    const own = (id: string, at: number) => ownAction(pipeline, watch, id, at);
    const now = T0 + HOUR;
    const topo = (t = now) => watch.generation(['service', 'dependency'], t);
    const alerts = (t = now) => watch.generation(['alert'], t);
    const [t0, a0] = [await topo(), await alerts()];
    await own('a1', now - 1000);
    expect(await topo()).toBe(t0);
    // An alert read together with our own event found again: the alert moved, the topology did not.
    await pipeline.ingest([ev('alert.fired', now - 500, { alert: 'x', service: 'db', signal: 'errors' })]);
    expect(await topo()).toBe(t0);
    expect(await alerts()).not.toBe(a0);
    // A minute on, a look that found only our own event; then a dependency valid 30 s before it.
    const later = now + 60_000;
    await own('a2', later - 1000);
    expect(await topo(later)).toBe(t0);
    await pipeline.ingest([ev('dependency.upserted', later - 30_000, { from: 'cache', to: 'db' })]);
    expect(await topo(later)).not.toBe(t0);
  });
});
