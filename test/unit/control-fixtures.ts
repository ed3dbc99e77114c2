/**
 * A small production for blast-radius and control tests, loaded through the real pipeline into an
 * in-memory embedded store.
 *
 *   web(edge,t1) ─100─▶ api(t1,slo) ─60─▶ db(data,slo)      cart ┄10┄▶ db   (┄ not critical)
 *   mobile(edge) ─50──▶ api ┄150┄▶ cache                     web ─20─▶ cart ◀─5─ batch
 */
import { createPipeline, type Pipeline } from '../../src/ingest/pipeline.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';

export const T0 = Date.parse('2026-03-01T00:00:00Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

let seq = 0;
export const ev = (type: string, at: number, data: object, extra: object = {}): object => ({
  specversion: '1.0',
  id: `e${++seq}`,
  source: 'fixture',
  type,
  time: iso(at),
  data,
  ...extra,
});

export function productionEvents(): object[] {
  const svc = (service: string, more: object = {}) => ev('service.upserted', T0, { service, ...more });
  const dep = (from: string, to: string, rps: number, critical = true) => ev('dependency.upserted', T0, { from, to, rps, critical });
  return [
    svc('web', { zone: 'edge', tier: 1 }),
    svc('mobile', { zone: 'edge', tier: 2 }),
    svc('batch', { zone: 'internal', tier: 3 }),
    svc('api', { zone: 'app', tier: 1, slo: { objective: 0.999, windowDays: 30 } }),
    svc('cart', { zone: 'app', tier: 2 }),
    svc('db', { zone: 'data', tier: 1, slo: { objective: 0.9999, windowDays: 28 } }),
    svc('cache', { zone: 'data', tier: 3 }),
    dep('web', 'api', 100),
    dep('mobile', 'api', 50),
    dep('api', 'db', 60),
    dep('api', 'cache', 150, false),
    dep('cart', 'db', 10, false),
    dep('web', 'cart', 20),
    dep('batch', 'cart', 5),
  ];
}

export async function production(extra: object[] = []): Promise<{ store: EmbeddedStore; pipeline: Pipeline }> {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  const pipeline = createPipeline({ store });
  const r = await pipeline.ingest([...productionEvents(), ...extra]);
  if (!r.ok) throw new Error(`fixture events are invalid: ${JSON.stringify(r.errors)}`);
  return { store, pipeline };
}
