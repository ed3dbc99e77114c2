/**
 * Fits how sure root-cause answers say they are (src/analysis/root-cause-confidence.ts), on train
 * cases only: the generated train split (both time resolutions) and the PetShop-like train issues.
 * Ranking does not depend on it. The model is a logistic regression of "the top candidate is right"
 * on its softmax share and what the answer saw; this prints the coefficients to paste into
 * DEFAULT_CALIBRATION, and the expected calibration error and log loss per set, out of sample
 * (5-fold cross-validation), beside the plain softmax share.
 *
 *   npx tsx bench/rca/calibrate.ts
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calibrationInputs, calibrationOf, calibrationVector, DEFAULT_CALIBRATION, logistic } from '../../src/analysis/root-cause-confidence.js';
import { draftCauses, gatherRootCauseSlice, resolveOptions } from '../../src/analysis/root-cause.js';
import { rank } from '../../src/analysis/root-cause-scoring.js';
import type { EntityRef } from '../../schema/events.js';
import { scenariosFor } from './generate.js';
import { loadStore } from './load.js';
import { sameRef } from './metrics.js';
import { convertIssue, parseGraph, parseMetrics, VARIANTS } from './petshop-convert.js';
import { petshopDir } from './petshop-run.js';
import { synthIssues } from './petshop-synth.js';
import { allTopologies } from './topologies.js';

/** One answered case: the model's inputs for its top candidate, and whether that was right. */
export interface Answer {
  set: string;
  inputs: number[];
  right: boolean;
}

const EPS = 1e-6;
const predict = (w: readonly number[], x: readonly number[]): number => logistic(x.reduce((z, v, i) => z + v * (w[i + 1] as number), w[0] as number));

export function logLoss(ps: readonly number[], ys: readonly boolean[]): number {
  let sum = 0;
  ps.forEach((p0, i) => {
    const p = Math.min(1 - EPS, Math.max(EPS, p0));
    sum -= ys[i] === true ? Math.log(p) : Math.log(1 - p);
  });
  return ps.length === 0 ? 0 : sum / ps.length;
}

/** Expected calibration error over ten equal-width bins of confidence. */
export function ece(ps: readonly number[], ys: readonly boolean[]): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, p: 0, right: 0 }));
  ps.forEach((p, i) => {
    const b = bins[Math.min(9, Math.floor(p * 10))] as { n: number; p: number; right: number };
    b.n++;
    b.p += p;
    b.right += ys[i] === true ? 1 : 0;
  });
  return bins.reduce((e, b) => e + (b.n === 0 ? 0 : (b.n / ps.length) * Math.abs(b.p / b.n - b.right / b.n)), 0);
}

/** Logistic regression by gradient descent, with a little L2 on everything but the bias. */
export function fitLogistic(answers: readonly Answer[], steps = 1_500, rate = 0.3, l2 = 0.01): number[] {
  const dim = (answers[0]?.inputs.length ?? 0) + 1;
  const w = new Array<number>(dim).fill(0);
  for (let s = 0; s < steps; s++) {
    const g = new Array<number>(dim).fill(0);
    for (const a of answers) {
      const err = predict(w, a.inputs) - (a.right ? 1 : 0);
      g[0] = (g[0] as number) + err;
      a.inputs.forEach((x, i) => (g[i + 1] = (g[i + 1] as number) + err * x));
    }
    for (let i = 0; i < dim; i++) w[i] = (w[i] as number) - rate * ((g[i] as number) / answers.length + (i > 0 ? l2 * (w[i] as number) : 0));
  }
  return w;
}

async function answer(store: Parameters<typeof gatherRootCauseSlice>[0], incident: string, set: string, right: (c: { cause: EntityRef; service: string }) => boolean): Promise<Answer> {
  const o = resolveOptions();
  const g = await gatherRootCauseSlice(store, { incident }, o);
  if (!g.ok) throw new Error(`${incident}: ${JSON.stringify(g.error)}`);
  const { symptomSeen, drafts } = draftCauses(g.slice, o);
  const features = new Map(drafts.map((d) => [`${d.cause.kind}:${d.cause.id}`, { ...d.features }]));
  const cands = rank(drafts, g.slice.causalLinks, o.weights, 1, { symptomSeen }, o.calibration);
  const top = cands[0];
  if (!top) return { set, inputs: calibrationInputs({ softmax: 0, symptomSeen, change: false, coherentChain: 0, deepest: false }), right: false };
  // The softmax share of the top candidate among all of them.
  const all = rank(drafts, [], o.weights, drafts.length, { symptomSeen }, o.calibration).map((c) => c.score);
  const share = 1 / all.reduce((t, s) => t + Math.exp((s - top.score) / o.weights.temperature), 0);
  const f = features.get(`${top.cause.kind}:${top.cause.id}`) ?? {};
  const inputs = calibrationInputs({ softmax: share, symptomSeen, change: top.cause.kind !== 'service', coherentChain: f.coherentChain ?? 0, deepest: f.deepest === 1 });
  return { set, inputs, right: right(top) };
}

async function trainAnswers(): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const top of allTopologies()) {
    if (top.services.length > 5_000) continue;
    for (const scenario of scenariosFor(top, 'train')) {
      const store = await loadStore(scenario.events);
      const set = scenario.resolutionMs > 0 ? 'generated, 5-min buckets' : 'generated, exact';
      for (const c of scenario.cases.filter((x) => x.split === 'train')) out.push(await answer(store, c.incident, set, (t) => sameRef(t.cause, c.label.cause)));
      await store.close();
    }
  }
  const data = join(petshopDir(), 'dataset');
  for (const [i, s] of ['low_traffic', 'high_traffic'].entries()) {
    const graph = parseGraph(await readFile(join(data, s, 'graph.csv'), 'utf8'));
    const baseline = parseMetrics(await readFile(join(data, s, 'noissue', 'metrics.csv'), 'utf8'));
    const { detector, issues } = synthIssues(graph, baseline, s, 150, 11 + i);
    for (const x of issues) {
      for (const v of VARIANTS) {
        const c = convertIssue(graph, detector, x.metrics, x.issue, v, x.injection);
        const store = await loadStore(c.events);
        out.push(await answer(store, c.incident, 'PetShop-like', (t) => t.service === x.issue.rootCause));
        await store.close();
      }
    }
  }
  return out;
}

const f3 = (x: number): string => x.toFixed(3);

async function main(): Promise<void> {
  const answers = await trainAnswers();
  const folds = 5;
  const outOfSample = new Array<number>(answers.length).fill(0);
  for (let k = 0; k < folds; k++) {
    const w = fitLogistic(answers.filter((_, i) => i % folds !== k));
    answers.forEach((a, i) => {
      if (i % folds === k) outOfSample[i] = predict(w, a.inputs);
    });
  }
  const now = calibrationVector(DEFAULT_CALIBRATION);
  const fitted = fitLogistic(answers);
  console.log(`train answers: ${answers.length}`);
  console.log('| set | n | top-1 | ECE softmax | ECE in use | ECE fitted (5-fold) | log loss softmax | log loss in use | log loss fitted (5-fold) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of [...new Set(answers.map((a) => a.set)), 'all']) {
    const idx = answers.map((a, i) => (s === 'all' || a.set === s ? i : -1)).filter((i) => i >= 0);
    const ys = idx.map((i) => (answers[i] as Answer).right);
    const soft = idx.map((i) => logistic((answers[i] as Answer).inputs[0] as number));
    const inUse = idx.map((i) => predict(now, (answers[i] as Answer).inputs));
    const cv = idx.map((i) => outOfSample[i] as number);
    console.log(`| ${s} | ${idx.length} | ${f3(ys.filter(Boolean).length / ys.length)} | ${f3(ece(soft, ys))} | ${f3(ece(inUse, ys))} | ${f3(ece(cv, ys))} | ${f3(logLoss(soft, ys))} | ${f3(logLoss(inUse, ys))} | ${f3(logLoss(cv, ys))} |`);
  }
  const c = calibrationOf(fitted.map((x) => Number(x.toFixed(3))));
  console.log(`\nfitted on all ${answers.length}: ${JSON.stringify(c)}`);
}

if (process.argv[1]?.endsWith('calibrate.ts') === true) await main();
