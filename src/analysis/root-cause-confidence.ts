/**
 * Confidence: how likely the top candidate is the cause, and what is left for the others.
 *
 * The softmax share of the top score ranks answers within one kind of data, but it is not a
 * probability: on the generated train split it says 0.86 where 0.98 are right, on PetShop-like
 * issues 0.90 where 0.72 are. The top candidate's confidence is instead a logistic over three
 * things the answer shows, fitted on train answers only (bench/rca/calibrate.ts prints the fit):
 *
 * - the log-odds of its softmax share: how far it stands above the others;
 * - its score: how much evidence stands behind it on its own;
 * - how many failing services its chain leaves unexplained (log 1 + n): an answer that accounts
 *   for a small part of what is failing is less sure, whatever its margin.
 *
 * The others share what is left (1 − p) in proportion to their softmax shares, none above the top,
 * so confidences fall with rank and sum to at most 1.
 */

/** Fitted by `npx tsx bench/rca/calibrate.ts` on every train set, each set weighted equally. */
export const CONFIDENCE_MODEL = {
  bias: -0.003,
  shareLogOdds: 0.163,
  score: 0.547,
  unexplained: -1.795,
} as const;

export type ConfidenceModel = { readonly [K in keyof typeof CONFIDENCE_MODEL]: number };

/** What the model reads of the top candidate. */
export interface TopAnswer {
  /** Its softmax share, 0..1. */
  share: number;
  score: number;
  /** Failing services (with anomalies in the episode) that are not on its chain. */
  unexplained: number;
}

const clampShare = (s: number): number => Math.min(1 - 1e-3, Math.max(1e-3, s));

/** The inputs of the model, in the order of its coefficients after the bias. */
export function confidenceInputs(top: TopAnswer): [number, number, number] {
  const s = clampShare(top.share);
  return [Math.log(s / (1 - s)), top.score, Math.log1p(top.unexplained)];
}

/** The probability that the top candidate is right. */
export function topConfidence(top: TopAnswer, m: ConfidenceModel = CONFIDENCE_MODEL): number {
  const [lo, score, unexplained] = confidenceInputs(top);
  return 1 / (1 + Math.exp(-(m.bias + m.shareLogOdds * lo + m.score * score + m.unexplained * unexplained)));
}

/**
 * Confidences for candidates ranked best first, from their softmax shares: the first gets
 * `topConfidence`, the rest share what is left in proportion to their shares, capped at the first's.
 */
export function confidences(shares: readonly number[], top: Omit<TopAnswer, 'share'>, m: ConfidenceModel = CONFIDENCE_MODEL): number[] {
  const first = shares[0];
  if (first === undefined) return [];
  const p = topConfidence({ ...top, share: first }, m);
  const rest = 1 - first;
  return shares.map((s, i) => (i === 0 ? p : rest <= 0 ? 0 : Math.min(p, ((1 - p) * s) / rest)));
}
