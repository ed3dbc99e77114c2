/**
 * How well root-cause confidences (the softmax share of the top candidate) say how often the top
 * answer is right, on train cases only: the generated train split (both time resolutions) and the
 * PetShop-like train issues. Prints, per set, expected calibration error, log loss and AUC (how
 * often a right answer is surer than a wrong one), beside a logistic recalibration fitted on the
 * same answers (5-fold cross-validation) on the softmax share and what the answer saw (the symptom's
 * own failure, a change behind it, chain coherence, nothing failing first below). The logistic is a
 * reference, not used by ctxgraph: see docs/root-cause.md for why.
 *
 *   npx tsx bench/rca/calibrate.ts
 */
import { draftCauses, gatherRootCauseSlice, resolveOptions } from '../../src/analysis/root-cause.js';
import { rank } from '../../src/analysis/root-cause-scoring.js';
import type { EntityRef } from '../../schema/events.js';
import { scenariosFor } from './generate.js';
import { loadStore } from './load.js';
import { sameRef } from './metrics.js';
import { petshopLikeCases } from './petshop-synth-run.js';
import { allTopologies } from './topologies.js';

/** One answered case: the top candidate's softmax share, the logistic's inputs, and whether it was right. */
export interface Answer {
  set: string;
  confidence: number;
  inputs: number[];
  right: boolean;
}

export const logistic = (z: number): number => 1 / (1 + Math.exp(-z));

/** The reference logistic's inputs: the log-odds of the softmax share, then what the answer saw. */
function inputsOf(share: number, symptomSeen: boolean, change: boolean, coherentChain: number, deepest: boolean): number[] {
  const s = Math.min(1 - 1e-3, Math.max(1e-3, share));
  return [Math.log(s / (1 - s)), symptomSeen ? 1 : 0, change ? 1 : 0, coherentChain, deepest ? 1 : 0];
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

/** How often a right answer has a higher confidence than a wrong one (area under the ROC curve; ties count half). */
export function auc(ps: readonly number[], ys: readonly boolean[]): number {
  const order = ps.map((p, i) => ({ p, y: ys[i] === true })).sort((a, b) => a.p - b.p);
  let wrongBelow = 0;
  let sum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    let right = 0;
    let wrong = 0;
    for (; j < order.length && (order[j] as { p: number }).p === (order[i] as { p: number }).p; j++) {
      if ((order[j] as { y: boolean }).y) right++;
      else wrong++;
    }
    sum += right * (wrongBelow + wrong / 2);
    wrongBelow += wrong;
    i = j;
  }
  const rights = ys.filter(Boolean).length;
  const pairs = rights * (ys.length - rights);
  return pairs === 0 ? 0.5 : sum / pairs;
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
  const top = rank(drafts, g.slice.causalLinks, o.weights, 1)[0];
  if (!top) return { set, confidence: 0, inputs: inputsOf(0, symptomSeen, false, 0, false), right: false };
  const f = features.get(`${top.cause.kind}:${top.cause.id}`) ?? {};
  return { set, confidence: top.confidence, inputs: inputsOf(top.confidence, symptomSeen, top.cause.kind !== 'service', f.coherentChain ?? 0, f.deepest === 1), right: right(top) };
}

export async function trainAnswers(): Promise<Answer[]> {
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
  // The same PetShop-like issues as `npm run bench:rca` reports (150 per scenario, seed 11).
  for await (const { issue, converted } of petshopLikeCases(150, 11)) {
    const store = await loadStore(converted.events);
    out.push(await answer(store, converted.incident, 'PetShop-like', (t) => t.service === issue.issue.rootCause));
    await store.close();
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
  console.log(`train answers: ${answers.length}`);
  console.log('| set | n | top-1 | ECE softmax | ECE logistic (5-fold) | log loss softmax | log loss logistic (5-fold) | AUC softmax | AUC logistic (5-fold) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of [...new Set(answers.map((a) => a.set)), 'all']) {
    const idx = answers.map((a, i) => (s === 'all' || a.set === s ? i : -1)).filter((i) => i >= 0);
    const ys = idx.map((i) => (answers[i] as Answer).right);
    const soft = idx.map((i) => (answers[i] as Answer).confidence);
    const cv = idx.map((i) => outOfSample[i] as number);
    console.log(`| ${s} | ${idx.length} | ${f3(ys.filter(Boolean).length / ys.length)} | ${f3(ece(soft, ys))} | ${f3(ece(cv, ys))} | ${f3(logLoss(soft, ys))} | ${f3(logLoss(cv, ys))} | ${f3(auc(soft, ys))} | ${f3(auc(cv, ys))} |`);
  }
  const w = fitLogistic(answers).map((x) => Number(x.toFixed(3)));
  console.log(`\nlogistic fitted on all ${answers.length} (bias, softmax log-odds, symptom seen, change, chain coherence, deepest): ${JSON.stringify(w)}`);
}

if (process.argv[1]?.endsWith('calibrate.ts') === true) await main();
