/**
 * PetShop-like training issues (bench/rca/petshop-synth.ts) scored like PetShop's own: ctxgraph and
 * the baselines, per variant, fault and kind of root node. Train only: they are drawn from the
 * no-issue baselines, never from an issue's files.
 *
 *   npx tsx bench/rca/petshop-synth-run.ts [--per-scenario N] [--seed S] [--debug] [--variant V]
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { draftCauses, gatherRootCauseSlice, rankCauses, resolveOptions, rootCause } from '../../src/analysis/root-cause.js';
import { BASELINES } from './baselines.js';
import { loadStore } from './load.js';
import { type Scored, serviceRankOf, summarise, pct } from './metrics.js';
import { type ConvertedIssue, convertIssue, kindOf, parseGraph, parseMetrics, VARIANTS, type Variant } from './petshop-convert.js';
import { petshopDir, table } from './petshop-run.js';
import { type SynthIssue, synthIssues } from './petshop-synth.js';

/** The breakdowns reported beside the overall table: title, and the group key. */
const SECTIONS: readonly [string, string][] = [
  ['fault', 'fault'],
  ['when the fault began', 'onset'],
  ['change on the root', 'change'],
  ['kind of root node', 'root'],
];

/** The scenarios with a no-issue baseline of their own. */
const SCENARIOS = ['low_traffic', 'high_traffic'];

/** One PetShop-like issue converted in one variant. */
export interface PetShopLikeCase {
  scenario: string;
  issue: SynthIssue;
  variant: Variant;
  converted: ConvertedIssue;
}

/**
 * Every PetShop-like issue (`perScenario` per scenario, seeds `seed`, `seed + 1`, ...) in each
 * variant, read from the PetShop folder; nothing when the folder is absent.
 */
export async function* petshopLikeCases(perScenario: number, seed: number, variants: readonly Variant[] = VARIANTS, issueBackground = false): AsyncGenerator<PetShopLikeCase> {
  const data = join(petshopDir(), 'dataset');
  if (!existsSync(data)) return;
  for (const [si, scenario] of SCENARIOS.entries()) {
    const graph = parseGraph(await readFile(join(data, scenario, 'graph.csv'), 'utf8'));
    const baseline = parseMetrics(await readFile(join(data, scenario, 'noissue', 'metrics.csv'), 'utf8'));
    const trainDir = join(data, scenario, 'train');
    const backgrounds = issueBackground ? await Promise.all((await readdir(trainDir)).sort().map(async (i) => parseMetrics(await readFile(join(trainDir, i, 'metrics.csv'), 'utf8')))) : [];
    const { detector, issues } = synthIssues(graph, baseline, scenario, perScenario, seed + si, backgrounds);
    for (const issue of issues) {
      for (const variant of variants) yield { scenario, issue, variant, converted: convertIssue(graph, detector, issue.metrics, issue.issue, variant, issue.injection) };
    }
  }
}

export async function runPetShopSynth(options: { perScenario?: number | undefined; seed?: number | undefined; debug?: boolean | undefined; variants?: readonly Variant[] | undefined; issueBackground?: boolean | undefined } = {}): Promise<{ markdown: string; json: unknown } | null> {
  if (!existsSync(join(petshopDir(), 'dataset'))) {
    console.error(`PetShop-like issues skipped: no dataset/ under ${petshopDir()}.`);
    return null;
  }
  const perScenario = options.perScenario ?? 60;
  const seed = options.seed ?? 11;
  const variants = options.variants ?? VARIANTS;
  const o = resolveOptions();
  const rows: Scored[] = [];
  for await (const { scenario: s, issue: x, variant, converted: c } of petshopLikeCases(perScenario, seed, variants, options.issueBackground === true)) {
    const store = await loadStore(c.events);
    const group = { variant, scenario: s, fault: x.fault, change: x.injection.kind, root: kindOf(x.issue.rootCause), onset: x.start === 0 ? 'before the window' : 'in the window' };
    const r = await rootCause(store, { incident: c.incident });
    if (!r.ok) throw new Error(`${x.issue.issue}: ${JSON.stringify(r.error)}`);
    const rank = serviceRankOf(r.analysis.candidates.map((k) => k.service), x.issue.rootCause);
    rows.push({ group, method: 'ctxgraph', entityRank: null, serviceRank: rank, chainOk: null, confidence: null, ms: null });
    const g = await gatherRootCauseSlice(store, { incident: c.incident }, { ...o, limit: 1_000 });
    if (!g.ok) throw new Error('gather');
    for (const [method, f] of Object.entries(BASELINES)) {
      rows.push({ group, method, entityRank: null, serviceRank: serviceRankOf(f(g.slice).map((k) => k.service), x.issue.rootCause), chainOk: null, confidence: null, ms: null });
    }
    if (options.debug === true && rank !== 1) {
      const t0 = x.metrics.timestamps[0] as number;
      console.log(`\n== ${s} ${x.issue.issue} ${variant} ${x.fault} root ${x.issue.rootCause} target ${x.issue.targetNode} @b${((x.issue.targetAt - t0) / 300).toFixed(1)} change ${x.injection.kind} start b${x.start} rank ${rank}`);
      for (const d of c.detections) console.log(`   det b${(d.at - t0) / 300} ${d.node} ${d.signal} z=${d.z.toFixed(1)}${d.level ? ` ${d.level.value} vs ${d.level.baseline}` : ""}`);
      const features = new Map(draftCauses(g.slice, o).drafts.map((d) => [`${d.cause.kind}:${d.cause.id}`, d.features]));
      for (const k of rankCauses(g.slice, o).candidates.slice(0, 4)) {
        console.log(`   ${k.rank}. ${k.cause.kind}:${k.service} score ${k.score.toFixed(2)} chain ${k.chain.map((e) => e.id).join(' > ')}`);
        console.log(`      ${JSON.stringify(features.get(`${k.cause.kind}:${k.cause.id}`))}`);
        if (k.rank === 1) for (const line of k.evidence) console.log(`      - ${line}`);
      }
    }
    await store.close();
  }
  const ours = (v: string) => summarise(rows.filter((r) => r.method === 'ctxgraph' && r.group.variant === v));
  const markdown = [
    `PetShop-like train issues: ${perScenario} per scenario (${SCENARIOS.join(', ')}), seed ${seed}, faults injected into held-out no-issue windows (bench/rca/petshop-synth.ts)${options.issueBackground === true ? '; every series of a node the fault did not reach takes the values of a real PetShop train issue window (issue-period background)' : ''}. Train only.`,
    '',
    ...variants.map((v) => `- ${v}: ctxgraph top-1 ${pct(ours(v).serviceTop1)}, top-3 ${pct(ours(v).serviceTop3)}, n ${ours(v).n}`),
    '',
    '### By variant',
    '',
    table(rows, ['variant']),
    '',
    ...SECTIONS.flatMap(([title, key]) => [`### By variant and ${title}`, '', table(rows, ['variant', key]), '']),
  ].join('\n');
  const json = Object.fromEntries(variants.map((v) => [v, Object.fromEntries(['ctxgraph', ...Object.keys(BASELINES)].map((m) => [m, summarise(rows.filter((r) => r.method === m && r.group.variant === v))]))]));
  return { markdown, json };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'per-scenario': { type: 'string' }, seed: { type: 'string' }, debug: { type: 'boolean' }, variant: { type: 'string' }, 'issue-background': { type: 'boolean' } } });
  const r = await runPetShopSynth({
    perScenario: values['per-scenario'] === undefined ? undefined : Number(values['per-scenario']),
    seed: values.seed === undefined ? undefined : Number(values.seed),
    debug: values.debug,
    variants: values.variant === undefined ? undefined : [values.variant as Variant],
    issueBackground: values['issue-background'],
  });
  if (r) console.log(r.markdown);
}
