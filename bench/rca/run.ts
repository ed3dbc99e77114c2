/**
 * `npm run bench:rca`: ctxgraph's root cause against three baselines on generated labelled
 * incidents (and PetShop, when its files are there), the same cases for every method.
 *
 * Flags: --split train|test|all (default test; tune on train only), --quick (skip 10,000
 * services), --no-write (print only), --skip-petshop.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatherRootCauseSlice, resolveOptions, rootCause } from '../../src/analysis/root-cause.js';
import { BASELINES } from './baselines.js';
import { ALL_FAULT_CLASSES, heldOutScenario, type LabelledCase, type Scenario, scenariosFor } from './generate.js';
import { loadStore } from './load.js';
import { calibration, calibrationError, groupBy, pct, rankOf, type Scored, sameRef, serviceRankOf, summarise } from './metrics.js';
import { runPetShop } from './petshop-run.js';
import { runPetShopSynth } from './petshop-synth-run.js';
import { allTopologies, heldOutTopologies, type Topology } from './topologies.js';

const args = new Set(process.argv.slice(2));
const splitArg = process.argv.find((a, i) => process.argv[i - 1] === '--split') ?? 'test';
const options = resolveOptions();
const LATENCY_REPEATS = 20;

/** Wall and CPU milliseconds of each question on the 10,000-service graph (CPU: every thread of this process, user + system). */
interface Timings {
  wall: number[];
  cpu: number[];
}

async function runGenerated(): Promise<{ rows: Scored[]; latency10k: Timings }> {
  const rows: Scored[] = [];
  let latency10k: Timings = { wall: [], cpu: [] };
  for (const top of allTopologies()) {
    if (args.has('--quick') && top.services.length > 5_000) continue;
    const latencies: Timings = { wall: [], cpu: [] };
    for (const scenario of scenariosFor(top, splitArg as 'train' | 'test' | 'all')) await runScenario(top, scenario, rows, latencies);
    if (top.services.length > 5_000) latency10k = latencies;
  }
  return { rows, latency10k };
}

/** The held-out systems' cases (test only; none when the split is train), kept apart from the fixed split's figures. */
async function runHeldOut(): Promise<Scored[]> {
  const rows: Scored[] = [];
  if (splitArg === 'train') return rows;
  for (const top of heldOutTopologies()) await runScenario(top, heldOutScenario(top), rows, { wall: [], cpu: [] });
  return rows;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1_000;
};

async function runScenario(top: Topology, scenario: Scenario, rows: Scored[], latencies: Timings): Promise<void> {
  const started = performance.now();
  const store = await loadStore(scenario.events);
  const loadS = ((performance.now() - started) / 1000).toFixed(1);
  const cases = scenario.cases.filter((c) => splitArg === 'all' || c.split === splitArg);
  for (const c of cases) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await rootCause(store, { incident: c.incident });
    const ms = performance.now() - t0;
    latencies.wall.push(ms);
    latencies.cpu.push(cpuMs(c0));
    if (!r.ok) throw new Error(`${c.id}: ${JSON.stringify(r.error)}`);
    if (top.services.length > 5_000) {
      for (let k = 0; k < LATENCY_REPEATS; k++) {
        const c1 = process.cpuUsage();
        const t1 = performance.now();
        await rootCause(store, { incident: c.incident });
        latencies.wall.push(performance.now() - t1);
        latencies.cpu.push(cpuMs(c1));
      }
    }
    const cands = r.analysis.candidates;
    const group = { topology: c.topology, fault: c.fault, resolution: scenario.resolutionMs > 0 ? `${scenario.resolutionMs / 60_000}-min buckets` : 'exact' };
    const top1 = cands[0];
    rows.push({
      group,
      method: 'ctxgraph',
      entityRank: rankOf(cands, (x) => sameRef(x.cause, c.label.cause)),
      serviceRank: serviceRankOf(cands.map((x) => x.service), c.label.service),
      chainOk: top1 !== undefined && top1.chain.length === c.label.chain.length && top1.chain.every((x, i) => sameRef(x, c.label.chain[i] as never)),
      confidence: top1?.confidence ?? null,
      ms,
    });
    await scoreBaselines(store, c, group, rows);
  }
  const events = scenario.events.length;
  console.error(`${top.name}: ${top.services.length} services, ${events} events loaded in ${loadS} s, ${cases.length} ${splitArg} cases`);
  await store.close();
}

async function scoreBaselines(store: Parameters<typeof rootCause>[0], c: LabelledCase, group: Record<string, string>, rows: Scored[]): Promise<void> {
  const g = await gatherRootCauseSlice(store, { incident: c.incident }, { ...options, limit: 1_000 });
  if (!g.ok) return;
  for (const [method, f] of Object.entries(BASELINES)) {
    const ranked = f(g.slice);
    rows.push({
      group,
      method,
      entityRank: rankOf(ranked, (x) => sameRef(x.cause, c.label.cause)),
      serviceRank: serviceRankOf(ranked.map((x) => x.service), c.label.service),
      chainOk: null,
      confidence: null,
      ms: null,
    });
  }
}

function table(rows: Scored[], by: string): string {
  const lines = [`| ${by} | method | n | top-1 | top-3 | MRR | service top-1 | service top-3 | chain | p50 ms | p99 ms |`, '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const [k, g] of groupBy(rows, by)) {
    for (const [m, mr] of groupBy(g.map((r) => ({ ...r, group: { ...r.group, method: r.method } })), 'method')) {
      const s = summarise(mr);
      lines.push(`| ${k} | ${m} | ${s.n} | ${pct(s.top1)} | ${pct(s.top3)} | ${pct(s.mrr)} | ${pct(s.serviceTop1)} | ${pct(s.serviceTop3)} | ${pct(s.chain)} | ${pct(s.p50ms)} | ${pct(s.p99ms)} |`);
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { rows, latency10k } = await runGenerated();
  const all: Scored[] = rows.map((r) => ({ ...r, group: { ...r.group, all: 'all' } }));
  const ours = all.filter((r) => r.method === 'ctxgraph');
  const overall = summarise(ours);
  const byClass = Object.fromEntries(ALL_FAULT_CLASSES.map((f) => [f, summarise(ours.filter((r) => r.group.fault === f))]));
  const timed = (xs: number[]) => summarise(xs.map((ms) => ({ group: {}, method: 'x', entityRank: null, serviceRank: null, chainOk: null, confidence: null, ms })));
  const s10k = timed(latency10k.wall);
  const cpu10k = timed(latency10k.cpu);
  const ahead = ALL_FAULT_CLASSES.map((f) => {
    const mine = summarise(ours.filter((r) => r.group.fault === f)).serviceTop1;
    const best = Math.max(...Object.keys(BASELINES).map((m) => summarise(all.filter((r) => r.method === m && r.group.fault === f)).serviceTop1));
    return { fault: f, ours: mine, bestBaseline: best, ahead: mine > best };
  });
  const heldOut = (await runHeldOut()).map((r) => ({ ...r, group: { ...r.group, all: 'all' } }));
  const heldOutOurs = summarise(heldOut.filter((r) => r.method === 'ctxgraph'));
  const petshop = args.has('--skip-petshop') ? null : await runPetShop();
  const synth = args.has('--skip-petshop') ? null : await runPetShopSynth({ perScenario: 150 });
  // The same issues with a real issue window's values on the nodes the fault did not reach: the noise real issue periods carry.
  const synthBackground = args.has('--skip-petshop') ? null : await runPetShopSynth({ perScenario: 150, issueBackground: true });

  const md = [
    `# Root-cause benchmark (${splitArg} split)`,
    '',
    'Generated by `npm run bench:rca`; do not edit by hand. Top-1/Top-3/MRR at entity granularity (the deploy, config change or service named as cause);',
    'service columns compare the cause\'s service only, which is all the service-level baselines can name. Chain: ctxgraph\'s top chain equals the labelled chain.',
    '',
    `Overall ctxgraph: top-1 ${pct(overall.top1)}, top-3 ${pct(overall.top3)}, MRR ${pct(overall.mrr)}, chain ${pct(overall.chain)} over ${overall.n} cases.`,
    `Latency on the 10,000-service graph with a week of history (${latency10k.wall.length} queries, in process, gather + rank): p50 ${pct(s10k.p50ms)} ms, p99 ${pct(s10k.p99ms)} ms; CPU time per query p50 ${pct(cpu10k.p50ms)} ms, p99 ${pct(cpu10k.p99ms)} ms (all the process's threads, GC helpers included; wall well above CPU is time the process waited for a core on a shared machine); load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' / ')}.`,
    '',
    '## Targets',
    '',
    `- test top-1 >= 0.95: ${pct(overall.top1)} ${overall.top1 >= 0.95 ? 'met' : 'MISSED'}`,
    `- test top-3 >= 0.99: ${pct(overall.top3)} ${overall.top3 >= 0.99 ? 'met' : 'MISSED'}`,
    `- no class below 0.85 top-1: ${ALL_FAULT_CLASSES.map((f) => `${f} ${pct(byClass[f]?.top1 ?? 0)}`).join(', ')} ${ALL_FAULT_CLASSES.every((f) => (byClass[f]?.top1 ?? 0) >= 0.85) ? 'met' : 'MISSED'}`,
    `- ahead of every baseline in every class (service top-1): ${ahead.map((a) => `${a.fault} ${pct(a.ours)} vs ${pct(a.bestBaseline)}`).join(', ')} ${ahead.every((a) => a.ahead) ? 'met' : 'MISSED'}`,
    `- p99 <= 20 ms on 10,000 services: ${pct(s10k.p99ms)} ${s10k.p99ms !== null && s10k.p99ms <= 20 ? 'met' : 'MISSED'}`,
    '',
    '## By fault class',
    '',
    table(all, 'fault'),
    '',
    '## By topology',
    '',
    table(all, 'topology'),
    '',
    '## By time resolution of the alerts',
    '',
    'Exact: the generator\'s own times (minutes and fractions); 5-min buckets: train-only scenarios re-observed through 5-minute buckets and short windows (bench/rca/coarse.ts).',
    '',
    table(all, 'resolution'),
    '',
    '## Calibration of ctxgraph\'s top-1 confidence',
    '',
    '| confidence | n | mean confidence | top-1 accuracy |',
    '| --- | --- | --- | --- |',
    ...calibration(ours).map((c) => `| ${c.bin} | ${c.n} | ${pct(c.meanConfidence)} | ${pct(c.accuracy)} |`),
    '',
    `Expected calibration error over these bins: ${pct(calibrationError(calibration(ours)))} (0 when mean confidence equals accuracy in every bin).`,
    '',
    ...(heldOut.length > 0
      ? [
          '## Held-out systems',
          '',
          `Topologies after DeathStarBench's Hotel Reservation and Social Network (bench/rca/topologies.ts), on which no train split has a case: the rules never saw them. Not counted in the figures above. ctxgraph: top-1 ${pct(heldOutOurs.top1)}, top-3 ${pct(heldOutOurs.top3)}, chain ${pct(heldOutOurs.chain)} over ${heldOutOurs.n} cases.`,
          '',
          table(heldOut, 'topology'),
          '',
          table(heldOut, 'fault'),
          '',
        ]
      : []),
    ...(petshop ? ['## PetShop', '', petshop.markdown, ''] : []),
    ...(synth ? ['## PetShop-like train issues', '', synth.markdown, ''] : []),
    ...(synthBackground ? ['## PetShop-like train issues with issue-period background', '', synthBackground.markdown, ''] : []),
  ].join('\n');
  console.log(md);
  if (!args.has('--no-write')) {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
    await writeFile(join(dir, 'latest.md'), `${md}\n`);
    await writeFile(join(dir, 'latest.json'), `${JSON.stringify({ split: splitArg, overall, byClass, ahead, heldOut: heldOutOurs, latency10k: s10k, cpu10k, calibration: calibration(ours), petshop: petshop?.json ?? null, petshopSynth: synth?.json ?? null, petshopSynthBackground: synthBackground?.json ?? null }, null, 2)}\n`);
    if (synth) {
      const background = synthBackground ? `\n## With issue-period background\n\n${synthBackground.markdown}\n` : '';
      await writeFile(join(dir, 'petshop-synth.md'), `# PetShop-like train issues\n\nGenerated by \`npm run bench:rca\`; do not edit by hand.\n\n${synth.markdown}\n${background}`);
    }
  }
}

await main();
