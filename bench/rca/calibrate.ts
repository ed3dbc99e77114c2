/**
 * Fits the temperature of the softmax that turns candidate scores into confidences, on train
 * cases only: the generated train split (both time resolutions) and the PetShop-like train issues.
 * Ranking does not depend on it; only how sure each answer says it is. The temperature minimises
 * the log loss of "the top candidate is right" against its confidence (temperature scaling).
 *
 *   npx tsx bench/rca/calibrate.ts            # prints the fit, before and after
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rootCause, resolveOptions } from '../../src/analysis/root-cause.js';
import { scenariosFor } from './generate.js';
import { loadStore } from './load.js';
import { sameRef } from './metrics.js';
import { convertIssue, parseGraph, parseMetrics, VARIANTS } from './petshop-convert.js';
import { petshopDir } from './petshop-run.js';
import { synthIssues } from './petshop-synth.js';
import { allTopologies } from './topologies.js';

/** One answered case: every candidate's score, best first, and whether the best was right. */
export interface Answer {
  set: string;
  scores: number[];
  right: boolean;
}

/** The top candidate's confidence at temperature `t`: its share of the softmax over all scores. */
export function topConfidence(scores: readonly number[], t: number): number {
  const top = scores[0];
  if (top === undefined) return 0;
  let total = 0;
  for (const s of scores) total += Math.exp((s - top) / t);
  return 1 / total;
}

const EPS = 1e-6;

export function logLoss(answers: readonly Answer[], t: number): number {
  let sum = 0;
  for (const a of answers) {
    const p = Math.min(1 - EPS, Math.max(EPS, topConfidence(a.scores, t)));
    sum -= a.right ? Math.log(p) : Math.log(1 - p);
  }
  return answers.length === 0 ? 0 : sum / answers.length;
}

/** Expected calibration error over ten equal-width bins of confidence. */
export function ece(answers: readonly Answer[], t: number): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, right: 0 }));
  for (const a of answers) {
    const c = topConfidence(a.scores, t);
    const b = bins[Math.min(9, Math.floor(c * 10))] as { n: number; conf: number; right: number };
    b.n++;
    b.conf += c;
    b.right += a.right ? 1 : 0;
  }
  return bins.reduce((e, b) => e + (b.n === 0 ? 0 : (b.n / answers.length) * Math.abs(b.conf / b.n - b.right / b.n)), 0);
}

/** The temperature with the least log loss on a grid from 0.05 to 5. */
export function fitTemperature(answers: readonly Answer[]): number {
  let best = { t: 1, loss: Infinity };
  for (let t = 0.05; t <= 5.0001; t += 0.05) {
    const loss = logLoss(answers, t);
    if (loss < best.loss - 1e-12) best = { t: Number(t.toFixed(2)), loss };
  }
  return best.t;
}

async function generatedAnswers(): Promise<Answer[]> {
  const out: Answer[] = [];
  const o = resolveOptions();
  for (const top of allTopologies()) {
    if (top.services.length > 5_000) continue;
    for (const scenario of scenariosFor(top, 'train')) {
      const store = await loadStore(scenario.events);
      for (const c of scenario.cases.filter((x) => x.split === 'train')) {
        const r = await rootCause(store, { incident: c.incident, limit: 1_000 }, o);
        if (!r.ok) throw new Error(`${c.id}: ${JSON.stringify(r.error)}`);
        const cands = r.analysis.candidates;
        out.push({ set: scenario.resolutionMs > 0 ? 'generated, 5-min buckets' : 'generated, exact', scores: cands.map((x) => x.score), right: cands[0] !== undefined && sameRef(cands[0].cause, c.label.cause) });
      }
      await store.close();
    }
  }
  return out;
}

async function synthAnswers(): Promise<Answer[]> {
  const out: Answer[] = [];
  const data = join(petshopDir(), 'dataset');
  for (const [i, s] of ['low_traffic', 'high_traffic'].entries()) {
    const graph = parseGraph(await readFile(join(data, s, 'graph.csv'), 'utf8'));
    const baseline = parseMetrics(await readFile(join(data, s, 'noissue', 'metrics.csv'), 'utf8'));
    const { detector, issues } = synthIssues(graph, baseline, s, 150, 11 + i);
    for (const x of issues) {
      for (const v of VARIANTS) {
        const c = convertIssue(graph, detector, x.metrics, x.issue, v, x.injection);
        const store = await loadStore(c.events);
        const r = await rootCause(store, { incident: c.incident, limit: 1_000 });
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        const cands = r.analysis.candidates;
        out.push({ set: 'PetShop-like', scores: cands.map((k) => k.score), right: cands[0]?.service === x.issue.rootCause });
        await store.close();
      }
    }
  }
  return out;
}

const pct = (x: number): string => x.toFixed(3);

async function main(): Promise<void> {
  const answers = [...(await generatedAnswers()), ...(await synthAnswers())];
  const now = resolveOptions().weights.temperature;
  const t = fitTemperature(answers);
  console.log(`train answers: ${answers.length}; temperature now ${now}, fitted ${t}`);
  console.log('| set | n | top-1 | log loss now | log loss fitted | ECE now | ECE fitted |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  const sets = [...new Set(answers.map((a) => a.set))];
  for (const s of [...sets, 'all']) {
    const a = s === 'all' ? answers : answers.filter((x) => x.set === s);
    console.log(`| ${s} | ${a.length} | ${pct(a.filter((x) => x.right).length / a.length)} | ${pct(logLoss(a, now))} | ${pct(logLoss(a, t))} | ${pct(ece(a, now))} | ${pct(ece(a, t))} |`);
  }
}

if (process.argv[1]?.endsWith('calibrate.ts') === true) await main();
