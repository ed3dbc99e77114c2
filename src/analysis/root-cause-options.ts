/**
 * Default options of root-cause analysis. The weights were tuned on the train split of
 * `npm run bench:rca` only (see docs/root-cause.md); the test split never informed them.
 */
import type { RootCauseOptions, RootCauseWeights } from './root-cause-types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_WEIGHTS: RootCauseWeights = {
  deploy: 1.0,
  config: 1.0,
  service: -1.0,
  quickEffect: 2.5,
  triggered: 2.0,
  surgeAlone: -2.5,
  stale: -1.5,
  sharedConsumers: 1.0,
  deepest: 1.5,
  earlierBelow: -2.0,
  sameStepBelow: -0.5,
  coherentChain: 2.0,
  hopBlamesOther: -2.0,
  slowHop: -3.0,
  pointsBelow: -2.5,
  edgeBlame: 1.0,
  ownFailureSignal: 1.5,
  noChange: 1.5,
  surge: 1.0,
  infraKind: 0.5,
  newDependency: 2.0,
  noAnomaly: -4.0,
  satBefore: -2.5,
  governedReports: -1.5,
  confirmedLink: 1.5,
  rejectedLink: -3.0,
  laterChange: -0.5,
  lagPerLog2Hour: -0.3,
  temperature: 1.0,
};

export const DEFAULT_OPTIONS: RootCauseOptions = {
  lookbackMs: 7 * DAY,
  episodeMs: 3 * HOUR,
  toleranceMs: 2 * MINUTE,
  changeSkewMs: MINUTE / 2,
  quickEffectMs: 45 * MINUTE,
  surgeWindowMs: 30 * MINUTE,
  propagationMs: 10 * MINUTE,
  depth: 8,
  limit: 5,
  weights: DEFAULT_WEIGHTS,
};

/** Options with defaults filled in; `weights` may be given in part. */
export function resolveOptions(partial: Partial<Omit<RootCauseOptions, 'weights'>> & { weights?: Partial<RootCauseWeights> } = {}): RootCauseOptions {
  const { weights, ...rest } = partial;
  const out: RootCauseOptions = { ...DEFAULT_OPTIONS, weights: { ...DEFAULT_WEIGHTS, ...weights } };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}
