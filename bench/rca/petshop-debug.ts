/**
 * Debug view of PetShop issues for tuning: the detector's alerts and ctxgraph's top candidates with
 * their features. Train split only: it refuses to show test issues (tune on train only).
 * `npx tsx bench/rca/petshop-debug.ts [variant] [scenario-filter]`
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { draftCauses, rankCauses, gatherRootCauseSlice, resolveOptions } from '../../src/analysis/root-cause.js';
import { loadStore } from './load.js';
import { convertIssue, fitDetector, parseGraph, parseMetrics, parseTarget, type Variant } from './petshop-convert.js';
import { petshopDir } from './petshop-run.js';

const variant = (process.argv[2] ?? 'changes') as Variant;
const filter = process.argv[3] ?? '';
const data = join(petshopDir(), 'dataset');
const scenarios = (await readdir(data)).sort();
const baselines = new Map<string, ReturnType<typeof parseMetrics>>();
for (const s of scenarios) {
  const f = join(data, s, 'noissue', 'metrics.csv');
  if (existsSync(f)) baselines.set(s, parseMetrics(await readFile(f, 'utf8')));
}
const o = resolveOptions();
for (const s of scenarios.filter((x) => x.includes(filter))) {
  const own = baselines.get(s);
  const detector = fitDetector(own ? [own] : [...baselines.values()]);
  const graph = parseGraph(await readFile(join(data, s, 'graph.csv'), 'utf8'));
  const split = 'train';
  for (const name of (await readdir(join(data, s, split))).sort()) {
    const dir = join(data, s, split, name);
    const issue = parseTarget(s, split, name, JSON.parse(await readFile(join(dir, 'target.json'), 'utf8')) as unknown);
    const metrics = parseMetrics(await readFile(join(dir, 'metrics.csv'), 'utf8'));
    const c = convertIssue(graph, detector, metrics, issue, variant);
    const t0 = metrics.timestamps[0] ?? 0;
    console.log(`\n== ${s}/${name} target ${issue.targetNode} ${issue.targetMetric} @b${((issue.targetAt - t0) / 300).toFixed(1)} label ${issue.rootCause} injection ${JSON.stringify(c.injection)}`);
    for (const d of c.detections) console.log(`   det b${(d.at - t0) / 300} ${d.node} ${d.signal} z=${d.z.toFixed(1)}`);
    const store = await loadStore(c.events);
    const g = await gatherRootCauseSlice(store, { incident: c.incident }, o);
    if (!g.ok) throw new Error('gather');
    const r = rankCauses(g.slice, o);
    const features = new Map(draftCauses(g.slice, o).drafts.map((d) => [`${d.cause.kind}:${d.cause.id}`, d.features]));
    for (const x of r.candidates) {
      console.log(`   ${x.rank}. ${x.cause.kind}:${x.service} score ${x.score.toFixed(2)} conf ${x.confidence.toFixed(2)} chain ${x.chain.map((e) => e.id).join(' > ')}`);
      console.log(`      ${JSON.stringify(features.get(`${x.cause.kind}:${x.cause.id}`))}`);
    }
    await store.close();
  }
}
