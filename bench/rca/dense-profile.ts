/**
 * Root cause on the control bench's world (10,000 services, 50,000 dependencies, three days of
 * deploys, config changes and alerts, loaded four days ago): one incident at a time on a random
 * service, timed gather and rank apart, with the size of what was read. Where the bench:rca latency
 * target is measured on its generator's week, this is the denser history an agent meets when it
 * proposes an action while incidents are open.
 *
 *   npx tsx bench/rca/dense-profile.ts [--incidents 60] [--services 10000] [--service mobile-edge-16] [--repeat 1]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/rca/dense-profile.ts
 */
import { parseArgs } from 'node:util';
import { gatherRootCauseSlice, rankCauses, resolveOptions } from '../../src/analysis/root-cause.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { loadControlGraph } from '../control-graph.js';
import { percentiles } from '../measure.js';
import { createRandom } from '../random.js';

const { values: opt } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    dependencies: { type: 'string', default: '50000' },
    incidents: { type: 'string', default: '60' },
    /** Every incident on this service instead of random ones (to profile one slice). */
    service: { type: 'string' },
    /** Ask each incident this many times (to profile one slice without piling up incidents). */
    repeat: { type: 'string', default: '1' },
  },
});
const services = Number(opt.services);
const dependencies = Number(opt.dependencies);
const { store } = await EmbeddedStore.open({ dataDir: null });
const pipeline = createPipeline({ store });
const gen = await loadControlGraph(pipeline, services, dependencies);
const ids = gen.topology.services.map((s) => s.id);
const ri = createRandom(17);
const options = resolveOptions();
const rows: { service: string; gatherMs: number; rankMs: number; deploys: number; configs: number; alerts: number; services: number; newDeps: number; callers: number }[] = [];
for (let i = 0; i < Number(opt.incidents); i++) {
  const id = `dense-inc-${i}`;
  const service = opt.service ?? ri.pick(ids);
  const at = Date.now();
  const r = await pipeline.ingest([
    { specversion: '1.0', id: `${id}-alert`, source: 'bench/rca', type: 'alert.fired', time: new Date(at - 10 * 60_000).toISOString(), data: { alert: `${id}-alert`, service, signal: 'errors', severity: 'critical' } },
    { specversion: '1.0', id: `${id}-open`, source: 'bench/rca', type: 'incident.opened', time: new Date(at - 5 * 60_000).toISOString(), data: { incident: id, services: [service] } },
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  for (let k = 0; k < Number(opt.repeat); k++) {
  const t0 = performance.now();
  const g = await gatherRootCauseSlice(store, { incident: id }, options);
  const t1 = performance.now();
  // The generator retires services over its days; an incident on one retired is refused, as it should be.
  if (!g.ok && g.error.kind === 'unknown-services') break;
  if (!g.ok) throw new Error(JSON.stringify(g.error));
  rankCauses(g.slice, options);
  const t2 = performance.now();
  const closure = g.slice.services;
  rows.push({ service, gatherMs: t1 - t0, rankMs: t2 - t1, deploys: g.slice.deploys.length, configs: g.slice.configChanges.length, alerts: g.slice.alerts.length, services: closure.length, newDeps: g.slice.newDependencies.length, callers: new Set(g.slice.newDependencies.map((d) => d.from)).size });
  }
}
const fmt = (x: number): string => x.toFixed(1);
const g = percentiles(rows.map((r) => r.gatherMs));
const k = percentiles(rows.map((r) => r.rankMs));
const all = percentiles(rows.map((r) => r.gatherMs + r.rankMs));
console.log(`${rows.length} incidents on ${services} services: gather p50 ${fmt(g.p50)} p99 ${fmt(g.p99)} max ${fmt(g.max)} ms; rank p50 ${fmt(k.p50)} p99 ${fmt(k.p99)} max ${fmt(k.max)} ms; both p50 ${fmt(all.p50)} p99 ${fmt(all.p99)} max ${fmt(all.max)} ms`);
console.log('slowest (gather + rank ms, closure services, deploys, config changes, alerts, new dependencies):');
for (const r of [...rows].sort((a, b) => b.gatherMs + b.rankMs - a.gatherMs - a.rankMs).slice(0, 8))
  console.log(`  ${r.service}: ${fmt(r.gatherMs)} + ${fmt(r.rankMs)} ms, ${r.services} services, ${r.deploys} deploys, ${r.configs} config changes, ${r.alerts} alerts, ${r.newDeps} new dependencies of ${r.callers} callers`);
