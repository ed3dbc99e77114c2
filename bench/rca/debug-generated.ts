/**
 * Debug view of generated cases for tuning: the labelled chain beside ctxgraph's top chain for the
 * cases it gets wrong. Train split only: it refuses test cases (tune on train only).
 * `npx tsx bench/rca/debug-generated.ts [fault] [topology-filter] [--coarse|--exact] [--summary]`
 * (--coarse / --exact: only scenarios with 5-minute buckets / exact times; --summary: counts only,
 * with the chain misses whose labelled chain breaks time order: a caller failing before its callee).
 */
import { findAnomalies } from '../../src/analysis/root-cause-anomaly.js';
import { buildTopology, chainFrom } from '../../src/analysis/root-cause-chain.js';
import { draftCauses, gatherRootCauseSlice, resolveOptions, rootCause } from '../../src/analysis/root-cause.js';
import { score } from '../../src/analysis/root-cause-scoring.js';
import { scenariosFor } from './generate.js';
import { loadStore } from './load.js';
import { allTopologies } from './topologies.js';

const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const fault = positional[0] ?? '';
const filter = positional[1] ?? '';
const misses = new Map<string, [number, number, number]>();
/** Chain misses with the right cause where the labelled chain has a caller failing before its callee (beyond the tolerance). */
const labelOutOfOrder = new Map<string, number>();
const o = resolveOptions();
const ref = (e: { kind: string; id: string }): string => (e.kind === 'service' ? e.id : `${e.kind}:${e.id}`);
for (const top of allTopologies()) {
  if (top.services.length > 5_000 || !top.name.includes(filter)) continue;
  for (const scenario of scenariosFor(top, 'train')) {
    if ((flags.has('--coarse') && scenario.resolutionMs === 0) || (flags.has('--exact') && scenario.resolutionMs > 0)) continue;
    const store = await loadStore(scenario.events);
    for (const c of scenario.cases.filter((x) => x.split === 'train' && (fault === '' || x.fault === fault))) {
      const r = await rootCause(store, { incident: c.incident }, o);
      if (!r.ok) continue;
      const got = r.analysis.candidates[0];
      const want = c.label.chain.map(ref).join(' > ');
      const have = (got?.chain ?? []).map(ref).join(' > ');
      const key = `${scenario.resolutionMs > 0 ? 'coarse' : 'exact'} ${c.fault}`;
      const m = misses.get(key) ?? [0, 0, 0];
      const causeOk = got !== undefined && got.cause.kind === c.label.cause.kind && got.cause.id === c.label.cause.id;
      misses.set(key, [m[0] + (want === have ? 0 : 1), m[1] + 1, m[2] + (causeOk ? 0 : 1)]);
      if (causeOk && want !== have) {
        const since = new Map(r.analysis.failing.map((f) => [f.service, f.since]));
        const path = c.label.chain.filter((x) => x.kind === 'service').map((x) => x.id);
        const early = (i: number): boolean => (since.get(path[i] as string) ?? Infinity) < (since.get(path[i - 1] as string) ?? -Infinity) - o.toleranceMs;
        if (path.some((_, i) => i > 0 && early(i))) labelOutOfOrder.set(key, (labelOutOfOrder.get(key) ?? 0) + 1);
      }
      if (want === have || flags.has('--summary')) continue;
      console.log(`\n== ${c.id} ${c.fault}\n   want ${want}\n   got  ${have} (${got?.confidence.toFixed(2)})`);
      for (const e of got?.evidence ?? []) console.log(`     ${e}`);
      const g = await gatherRootCauseSlice(store, { incident: c.incident }, o);
      if (!g.ok) continue;
      const an = findAnomalies(g.slice, o);
      const topo = buildTopology(g.slice);
      const t = (x: number | undefined): string => (x === undefined ? '-' : new Date(x).toISOString().slice(11, 19));
      console.log(`   resolution ${an.timing.resolutionMs / 1000} s symptomStart ${t(an.symptomStart)} traffic ${an.traffic.map((x) => `${x.service}@${t(x.firedAt)}`).join(',')}`);
      for (const a of [...an.byService.values()].sort((x, y) => x.onset - y.onset)) {
        console.log(`   anomaly ${a.service} ${t(a.onset)} ${a.alerts.map((x) => `${x.signal}/${x.severity}${x.dependency ? '->' + x.dependency : ''}@${t(x.firedAt)}`).join(',')} blamedBy ${[...a.blamedBy.keys()].join(',')}`);
      }
      const drafts = draftCauses(g.slice, o).drafts.map((d) => ({ d, s: score(d, o.weights) })).sort((x, y) => y.s - x.s);
      for (const { d, s } of drafts.filter((x, k) => k < 3 || (x.d.cause.kind === c.label.cause.kind && x.d.cause.id === c.label.cause.id))) {
        console.log(`   cand ${ref(d.cause)}@${d.service} ${s.toFixed(2)} ${JSON.stringify(d.features)}`);
      }
      const cfg = g.slice.configChanges.find((x) => x.id === c.label.cause.id);
      for (const s of cfg ? [cfg.service, ...cfg.services] : [c.label.service]) {
        const ch = chainFrom(topo, an, s, cfg?.at ?? 0);
        const a = an.byService.get(s);
        console.log(`   consumer ${s} onset ${t(a?.onset)} alerts ${a?.alerts.map((x) => `${x.signal}${x.dependency ? '->' + x.dependency : ''}@${t(x.firedAt)}`).join(',')} chain ${ch?.services.join(' > ')} coh ${ch?.coherence.toFixed(2)} other ${ch?.blamesOther} slow ${ch?.slow}`);
      }
      for (const s of c.label.chain.filter((x) => x.kind === 'service')) {
        const a = an.byService.get(s.id);
        console.log(`     path ${s.id} onset ${t(a?.onset)} alerts ${a?.alerts.map((x) => `${x.signal}${x.dependency ? '->' + x.dependency : ''}@${t(x.firedAt)}`).join(',')} blamedBy ${[...(a?.blamedBy.keys() ?? [])].join(',')}`);
      }
    }
    await store.close();
  }
}
for (const [k, [miss, n, causeMiss]] of [...misses].sort()) {
  const late = labelOutOfOrder.get(k) ?? 0;
  console.log(`${k}: top-1 ${((n - causeMiss) / n).toFixed(3)} (${causeMiss} of ${n} causes missed), ${miss} chains missed${late > 0 ? ` (${late} with the right cause where the labelled chain has a caller failing before its callee)` : ''}`);
}
