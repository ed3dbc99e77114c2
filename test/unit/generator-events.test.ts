import { describe, expect, it } from 'vitest';
import { DEMO_INCIDENTS, DEMO_NOW, demoEvents } from '../../bench/demo.js';
import { generateProduction, type GeneratorOptions } from '../../bench/generate.js';
import { type CloudEventInput, parseEvent } from '../../schema/events.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';

const SMALL: GeneratorOptions = { seed: 11, services: 60, dependencies: 240, events: 3_000, days: 3 };

function invalid(events: readonly CloudEventInput[]) {
  return events.flatMap((e, i) => {
    const r = parseEvent(e);
    return r.ok ? [] : [{ i, id: e.id, issues: r.issues }];
  });
}

const resolvedIncidents = (events: readonly CloudEventInput[]) =>
  events.map((e) => parseEvent(e)).flatMap((r) => (r.ok && r.event.type === 'incident.resolved' ? [r.event] : []));

describe('the production generator', () => {
  const { topology, events } = generateProduction(SMALL);

  it('makes only events that validate', () => {
    expect(invalid(events)).toEqual([]);
  });

  it('makes the requested numbers of services, dependencies and events', () => {
    expect(topology.services).toHaveLength(SMALL.services);
    expect(topology.dependencies).toHaveLength(SMALL.dependencies);
    expect(events).toHaveLength(SMALL.events);
    expect(new Set(events.map((e) => `${e.source}\u0000${e.id}`)).size).toBe(events.length);
  });

  it('gives the same events for the same seed and different ones for another', () => {
    expect(generateProduction(SMALL).events).toEqual(events);
    expect(generateProduction({ ...SMALL, seed: 12 }).events).not.toEqual(events);
  });

  it('builds a layered graph over every trust zone, without cycles', () => {
    expect(new Set(topology.services.map((s) => s.zone))).toEqual(new Set(['edge', 'app', 'internal', 'data', 'pci', 'external']));
    const byId = new Map(topology.services.map((s) => [s.id, s]));
    for (const d of topology.dependencies) {
      const from = byId.get(d.from);
      const to = byId.get(d.to);
      expect(from && to, `${d.from} -> ${d.to}`).toBeTruthy();
      // Stores and vendors answer calls; they make none.
      expect(['database', 'cache', 'queue', 'external']).not.toContain(from?.layer);
      if (from?.layer === 'domain' && to?.layer === 'domain') expect(to.level).toBeGreaterThan(from.level);
    }
  });

  it('spreads history over the requested days and resolves incidents with a root cause and chain', () => {
    const first = Date.parse(events[0]?.time ?? '');
    const last = Math.max(...events.map((e) => Date.parse(e.time)));
    expect(last - first).toBeGreaterThan(2 * 86_400_000);
    expect(last - first).toBeLessThan(4 * 86_400_000);
    const resolved = resolvedIncidents(events);
    expect(resolved.length).toBeGreaterThan(0);
    for (const e of resolved) {
      expect(e.data.chain?.[0]).toEqual(e.data.rootCause);
      expect(e.data.chain?.at(-1)?.kind).toBe('service');
    }
  });
});

describe('the demo data set', () => {
  const events = demoEvents();

  it('validates and is the same for the same seed', () => {
    expect(invalid(events)).toEqual([]);
    expect(demoEvents()).toEqual(events);
    expect(demoEvents(7)).not.toEqual(events);
  });

  it('tells both incidents with their root causes once ingested', async () => {
    const { store } = await EmbeddedStore.open({ dataDir: null });
    const result = await createPipeline({ store }).ingest(events);
    expect(result).toMatchObject({ ok: true, accepted: events.length, duplicates: 0 });

    const now = { at: Date.parse(DEMO_NOW), knownAt: END_OF_TIME };
    const graph = await store.graphAt(now);
    expect(graph.services.length).toBeGreaterThanOrEqual(30);
    expect(new Set(graph.services.map((s) => s.zone))).toEqual(new Set(['edge', 'app', 'internal', 'data', 'pci', 'external']));

    const inventory = await store.incident(DEMO_INCIDENTS.inventory, now);
    expect(inventory).toMatchObject({ open: false, services: ['checkout', 'cart', 'inventory'], rootCause: { kind: 'deploy' } });
    const deploy = await store.deploy(inventory?.rootCause?.id ?? '', now);
    expect(deploy).toMatchObject({ service: 'inventory', status: 'rolled_back' });

    // At DEMO_NOW the cache incident is open; its root cause is known only later.
    expect(await store.incident(DEMO_INCIDENTS.cache, now)).toMatchObject({ open: true, rootCause: null });
    const later = await store.incident(DEMO_INCIDENTS.cache, { at: END_OF_TIME, knownAt: END_OF_TIME });
    expect(later?.rootCause?.kind).toBe('config');
    const catalog = await store.service('catalog', now);
    const ttl = catalog?.config.find((c) => c.key === 'cache.catalog-cache.ttl_seconds');
    expect(ttl).toMatchObject({ value: 60, change: later?.rootCause?.id });
  });
});
