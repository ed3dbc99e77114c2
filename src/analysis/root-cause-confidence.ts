/**
 * How sure an answer is. The score's softmax orders the candidates, but how often the top one is
 * right depends on how much of the failure was seen, which the scores do not say: a symptom whose
 * own failure was observed, a recorded change behind the answer, a chain in order in time and
 * nothing failing first below it all make it likelier. The top candidate's confidence is a logistic
 * function of those and of its softmax share, fitted on train cases only (bench/rca/calibrate.ts);
 * the others share the rest in proportion to their softmax, never above a better-ranked one.
 */

/** Coefficients of the logistic model of "the top candidate is right". */
export interface Calibration {
  bias: number;
  /** Per unit of the log-odds of the top candidate's softmax share. */
  softmaxLogit: number;
  /** The first symptom service showed a failure of its own in the episode. */
  symptomSeen: number;
  /** The top candidate is a deploy or a config change. */
  change: number;
  /** The top candidate's chain coherence (0..1). */
  coherentChain: number;
  /** Nothing below the top candidate began failing before it. */
  deepest: number;
}

/** Fitted by `npx tsx bench/rca/calibrate.ts` on 2,016 train answers (generated train, both resolutions, and PetShop-like issues). */
export const DEFAULT_CALIBRATION: Calibration = {
  bias: 1.566,
  softmaxLogit: 0.006,
  symptomSeen: 0.18,
  change: 0.797,
  coherentChain: 0.175,
  deepest: 0.164,
};

/** What the model reads about the top candidate. */
export interface TopEvidence {
  softmax: number;
  symptomSeen: boolean;
  change: boolean;
  coherentChain: number;
  deepest: boolean;
}

const clampShare = (p: number): number => Math.min(1 - 1e-3, Math.max(1e-3, p));

/** The model's inputs, in the order of the coefficients after the bias. */
export function calibrationInputs(e: TopEvidence): number[] {
  const s = clampShare(e.softmax);
  return [Math.log(s / (1 - s)), e.symptomSeen ? 1 : 0, e.change ? 1 : 0, e.coherentChain, e.deepest ? 1 : 0];
}

export const calibrationVector = (c: Calibration): number[] => [c.bias, c.softmaxLogit, c.symptomSeen, c.change, c.coherentChain, c.deepest];

export const calibrationOf = (v: readonly number[]): Calibration => {
  const [bias = 0, softmaxLogit = 0, symptomSeen = 0, change = 0, coherentChain = 0, deepest = 0] = v;
  return { bias, softmaxLogit, symptomSeen, change, coherentChain, deepest };
};

export const logistic = (z: number): number => 1 / (1 + Math.exp(-z));

/** The probability that the top candidate is the cause. */
export function topConfidence(e: TopEvidence, c: Calibration): number {
  const v = calibrationVector(c);
  return logistic(calibrationInputs(e).reduce((z, x, i) => z + x * (v[i + 1] as number), v[0] as number));
}

/**
 * Confidences of the ranked candidates, from their softmax shares (best first) and the top one's
 * probability: the rest share 1 - top in proportion to their softmax, capped so that none exceeds a
 * better-ranked candidate. They lie in 0..1 and sum to at most 1.
 */
export function confidences(softmax: readonly number[], top: number): number[] {
  const first = softmax[0];
  if (first === undefined) return [];
  const rest = 1 - first;
  const out = [top];
  for (let i = 1; i < softmax.length; i++) {
    const share = rest <= 0 ? 0 : ((1 - top) * (softmax[i] as number)) / rest;
    out.push(Math.min(out[i - 1] as number, share));
  }
  return out;
}
