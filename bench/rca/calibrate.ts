/**
 * How well root-cause confidences say how often the top answer is right, on train cases only: the
 * generated train split (both time resolutions) and the PetShop-like train issues (with and without
 * issue-period background). Prints, per set, expected calibration error, log loss and AUC (how often
 * a right answer is surer than a wrong one) for the softmax share of the top score, for the
 * confidence ctxgraph answers (root-cause-confidence.ts), and for the same logistic refitted here
 * (5-fold cross-validation), then the refit on every answer, in CONFIDENCE_MODEL's form. Each set
 * weighs the same in the fit, so the 10,000 generated answers do not drown the PetShop-like ones.
 *
 *   npx tsx bench/rca/calibrate.ts
 */
import { draftCauses, gatherRootCauseSlice, resolveOptions } from '../../src/analysis/root-cause.js';
import { CONFIDENCE_MODEL, type ConfidenceModel, confidenceInputs, topConfidence } from '../../src/analysis/root-cause-confidence.js';
import { scoreDrafts, unexplainedBy } from '../../src/analysis/root-cause-scoring.js';
import type { EntityRef } from '../../schema/events.js';
import { scenariosFor } from './generate.js';
import { loadStore } from './load.js';
import { sameRef } from './metrics.js';
import { petshopLikeCases } from './petshop-synth-run.js';
import { allTopologies } from './topologies.js';

/** One answered case: the top candidate's softmax share, the confidence ctxgraph gave, the model's inputs, and whether it was right. */
export interface Answer {
  set: string;
  share: number;
  confidence: number;
  inputs: number[];
  right: boolean;
}

export const logistic = (z: number): number => 1 / (1 + Math.exp(-z));

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

/**
 * Logistic regression by gradient descent on standardised inputs, with a little L2 on everything
 * but the bias; each answer weighs `weight(answer)`. Returns the weights for the raw inputs, bias first.
 */
export function fitLogistic(answers: readonly Answer[], steps = 1_500, rate = 0.3, l2 = 0.01, weight: (a: Answer) => number = () => 1): number[] {
  const dim = (answers[0]?.inputs.length ?? 0) + 1;
  const mean = new Array<number>(dim - 1).fill(0);
  const sd = new Array<number>(dim - 1).fill(0);
  for (const a of answers) a.inputs.forEach((x, i) => (mean[i] = (mean[i] as number) + x / answers.length));
  for (const a of answers) a.inputs.forEach((x, i) => (sd[i] = (sd[i] as number) + (x - (mean[i] as number)) ** 2 / answers.length));
  const scale = sd.map((v) => Math.sqrt(v) || 1);
  const rows = answers.map((a) => ({ x: a.inputs.map((v, i) => (v - (mean[i] as number)) / (scale[i] as number)), y: a.right ? 1 : 0, w: weight(a) }));
  const totalWeight = rows.reduce((t, r) => t + r.w, 0);
  const w = new Array<number>(dim).fill(0);
  for (let s = 0; s < steps; s++) {
    const g = new Array<number>(dim).fill(0);
    for (const r of rows) {
      const err = r.w * (predict(w, r.x) - r.y);
      g[0] = (g[0] as number) + err;
      r.x.forEach((x, i) => (g[i + 1] = (g[i + 1] as number) + err * x));
    }
    for (let i = 0; i < dim; i++) w[i] = (w[i] as number) - rate * ((g[i] as number) / totalWeight + (i > 0 ? l2 * (w[i] as number) : 0));
  }
  // Back to the raw inputs' scale.
  const raw = w.map((v, i) => (i === 0 ? v : v / (scale[i - 1] as number)));
  raw[0] = (w[0] as number) - w.slice(1).reduce((t, v, i) => t + (v * (mean[i] as number)) / (scale[i] as number), 0);
  return raw;
}

/** Each set weighs the same in a fit: an answer weighs one over its set's size. */
export function perSetWeight(answers: readonly Answer[]): (a: Answer) => number {
  const sizes = new Map<string, number>();
  for (const a of answers) sizes.set(a.set, (sizes.get(a.set) ?? 0) + 1);
  return (a) => 1 / (sizes.get(a.set) ?? 1);
}

const asModel = (w: readonly number[]): ConfidenceModel => ({ bias: w[0] as number, shareLogOdds: w[1] as number, score: w[2] as number, unexplained: w[3] as number });

async function answer(store: Parameters<typeof gatherRootCauseSlice>[0], incident: string, set: string, right: (c: { cause: EntityRef; service: string }) => boolean): Promise<Answer | null> {
  const o = resolveOptions();
  const g = await gatherRootCauseSlice(store, { incident }, o);
  if (!g.ok) throw new Error(`${incident}: ${JSON.stringify(g.error)}`);
  const { drafts, failing } = draftCauses(g.slice, o);
  const top = scoreDrafts(drafts, g.slice.causalLinks, o.weights)[0];
  if (!top) return null;
  const seen = { share: top.share, score: top.score, unexplained: unexplainedBy(top.chain, failing) };
  return { set, share: top.share, confidence: topConfidence(seen), inputs: confidenceInputs(seen), right: right({ cause: top.d.cause, service: top.d.service }) };
}

export async function trainAnswers(): Promise<Answer[]> {
  const out: Answer[] = [];
  const keep = (a: Answer | null): void => {
    if (a) out.push(a);
  };
  for (const top of allTopologies()) {
    if (top.services.length > 5_000) continue;
    for (const scenario of scenariosFor(top, 'train')) {
      const store = await loadStore(scenario.events);
      const set = scenario.resolutionMs > 0 ? 'generated, 5-min buckets' : 'generated, exact';
      for (const c of scenario.cases.filter((x) => x.split === 'train')) keep(await answer(store, c.incident, set, (t) => sameRef(t.cause, c.label.cause)));
      await store.close();
    }
  }
  // The same PetShop-like issues as `npm run bench:rca` reports (150 per scenario, seed 11), and
  // those issues again with issue-period background on the nodes the fault did not reach.
  for (const background of [false, true]) {
    for await (const { issue, converted } of petshopLikeCases(150, 11, undefined, background)) {
      const store = await loadStore(converted.events);
      keep(await answer(store, converted.incident, background ? 'PetShop-like, issue background' : 'PetShop-like', (t) => t.service === issue.issue.rootCause));
      await store.close();
    }
  }
  return out;
}

const f3 = (x: number): string => x.toFixed(3);

/** The model's inputs, by name, in CONFIDENCE_MODEL's order after the bias. */
const INPUTS = ['shareLogOdds', 'score', 'unexplained'] as const;

/**
 * How well a confidence fitted on one family of train sets (generated, PetShop-like) says how often
 * the other family's answers are right: the shift a real deployment's incidents bring. Per subset of
 * the inputs, the ECE on the family left out.
 */
function transferReport(answers: readonly Answer[]): void {
  const family = (a: Answer): string => (a.set.startsWith('generated') ? 'generated' : 'PetShop-like');
  const subsets = [[0, 1, 2], [1, 2], [0, 2], [2], [0, 1]];
  console.log('\n| inputs | fitted on generated, ECE on PetShop-like | fitted on PetShop-like, ECE on generated |');
  console.log('| --- | --- | --- |');
  for (const cols of subsets) {
    const pick = (a: Answer): Answer => ({ ...a, inputs: cols.map((c) => a.inputs[c] as number) });
    const cells = ['generated', 'PetShop-like'].map((fit) => {
      const train = answers.filter((a) => family(a) === fit).map(pick);
      const held = answers.filter((a) => family(a) !== fit).map(pick);
      const w = fitLogistic(train, 3_000, 0.5, 0.01, perSetWeight(train));
      return f3(ece(held.map((a) => predict(w, a.inputs)), held.map((a) => a.right)));
    });
    console.log(`| ${cols.map((c) => INPUTS[c]).join(', ')} | ${cells.join(' | ')} |`);
  }
}

async function main(): Promise<void> {
  const answers = await trainAnswers();
  const weight = perSetWeight(answers);
  const folds = 5;
  const outOfSample = new Array<number>(answers.length).fill(0);
  for (let k = 0; k < folds; k++) {
    const m = asModel(fitLogistic(answers.filter((_, i) => i % folds !== k), 3_000, 0.5, 0.01, weight));
    answers.forEach((a, i) => {
      if (i % folds === k) outOfSample[i] = predict([m.bias, m.shareLogOdds, m.score, m.unexplained], a.inputs);
    });
  }
  console.log(`train answers: ${answers.length}; ctxgraph's model: ${JSON.stringify(CONFIDENCE_MODEL)}`);
  console.log('| set | n | top-1 | ECE softmax share | ECE ctxgraph | ECE refit (5-fold) | log loss softmax share | log loss ctxgraph | AUC softmax share | AUC ctxgraph | AUC refit (5-fold) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of [...new Set(answers.map((a) => a.set)), 'all']) {
    const idx = answers.map((a, i) => (s === 'all' || a.set === s ? i : -1)).filter((i) => i >= 0);
    const ys = idx.map((i) => (answers[i] as Answer).right);
    const share = idx.map((i) => (answers[i] as Answer).share);
    const ours = idx.map((i) => (answers[i] as Answer).confidence);
    const cv = idx.map((i) => outOfSample[i] as number);
    console.log(
      `| ${s} | ${idx.length} | ${f3(ys.filter(Boolean).length / ys.length)} | ${f3(ece(share, ys))} | ${f3(ece(ours, ys))} | ${f3(ece(cv, ys))} | ${f3(logLoss(share, ys))} | ${f3(logLoss(ours, ys))} | ${f3(auc(share, ys))} | ${f3(auc(ours, ys))} | ${f3(auc(cv, ys))} |`,
    );
  }
  transferReport(answers);
  const m = asModel(fitLogistic(answers, 3_000, 0.5, 0.01, weight));
  console.log(`\nrefit on all ${answers.length} answers (CONFIDENCE_MODEL): ${JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v.toFixed(3))])))}`);
}

if (process.argv[1]?.endsWith('calibrate.ts') === true) await main();
