/**
 * Calibration of root-cause predictions: how often the top candidate (Top-1) or one of the first
 * three (Top-3) was the cause, and reliability: in each band of predicted confidence, how often the
 * top candidate turned out right. A calibrated analysis that says 0.7 is right 70% of the time.
 * Blast-radius predictions are counted beside them: right when every service an action was seen to
 * affect had been predicted. Pure.
 *
 * @example
 * const c = calibrate(settledPredictions);
 * c.top1Rate; // 0.62
 * c.bins[7];  // { from: 0.7, to: 0.8, count: 12, meanConfidence: 0.74, observed: 0.67 }
 */
import type { Prediction } from './provenance.js';
import { byId } from '../model/order.js';

export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  /** Mean top-1 confidence of the predictions in the bin; null when empty. */
  meanConfidence: number | null;
  /** Share of them whose top candidate was right; null when empty. */
  observed: number | null;
}

export interface Calibration {
  /** Settled root-cause predictions counted. */
  total: number;
  top1: number;
  top3: number;
  top1Rate: number | null;
  top3Rate: number | null;
  bins: ReliabilityBin[];
  /** Expected calibration error: the count-weighted gap between confidence and frequency. */
  ece: number | null;
  /** Settled blast-radius predictions: how many, and how many foresaw every service the action affected. */
  blastRadius: { total: number; correct: number; rate: number | null };
}

export const CALIBRATION_GROUPS = ['service', 'faultClass', 'period'] as const;
export type CalibrationGroup = (typeof CALIBRATION_GROUPS)[number];

export interface CalibrationSlice {
  /** The service, the fault class, or the period's start (ISO date) the slice covers. */
  key: string;
  calibration: Calibration;
}

const settledRootCauses = (ps: readonly Prediction[]): Prediction[] => ps.filter((p) => p.kind === 'root-cause' && p.outcome !== null);

function blastRadiusScore(predictions: readonly Prediction[]): Calibration['blastRadius'] {
  const settled = predictions.filter((p) => p.kind === 'blast-radius' && p.outcome !== null);
  const correct = settled.filter((p) => p.outcome?.correct === true).length;
  return { total: settled.length, correct, rate: settled.length === 0 ? null : correct / settled.length };
}

export function calibrate(predictions: readonly Prediction[], binCount = 10): Calibration {
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError(`bin count must be a positive integer, got ${binCount}`);
  const ps = settledRootCauses(predictions);
  const sums = Array.from({ length: binCount }, () => ({ count: 0, conf: 0, hits: 0 }));
  let top1 = 0;
  let top3 = 0;
  for (const p of ps) {
    const rank = p.outcome?.rank ?? null;
    if (rank === 1) top1++;
    if (rank !== null && rank <= 3) top3++;
    const conf = Math.min(1, Math.max(0, p.candidates[0]?.confidence ?? 0));
    const b = sums[Math.min(binCount - 1, Math.floor(conf * binCount))] as { count: number; conf: number; hits: number };
    b.count++;
    b.conf += conf;
    if (rank === 1) b.hits++;
  }
  const bins = sums.map((s, i) => ({
    from: i / binCount,
    to: (i + 1) / binCount,
    count: s.count,
    meanConfidence: s.count === 0 ? null : s.conf / s.count,
    observed: s.count === 0 ? null : s.hits / s.count,
  }));
  const n = ps.length;
  const ece = n === 0 ? null : sums.reduce((acc, s) => acc + (s.count === 0 ? 0 : Math.abs(s.conf / s.count - s.hits / s.count) * (s.count / n)), 0);
  return { total: n, top1, top3, top1Rate: n === 0 ? null : top1 / n, top3Rate: n === 0 ? null : top3 / n, bins, ece, blastRadius: blastRadiusScore(predictions) };
}

/**
 * Calibration per service, per fault class, or per period of `periodMs` (by when the prediction was
 * made). Fault classes are those of root causes, so blast-radius predictions count only per service and period.
 */
export function calibrateBy(predictions: readonly Prediction[], group: CalibrationGroup, periodMs: number, binCount = 10): CalibrationSlice[] {
  if (group === 'period' && !(periodMs > 0)) throw new RangeError(`period must be positive, got ${periodMs} ms`);
  const groups = new Map<string, Prediction[]>();
  for (const p of predictions) {
    if (p.outcome === null || (p.kind !== 'root-cause' && group === 'faultClass')) continue;
    const key =
      group === 'service' ? p.service : group === 'faultClass' ? (p.outcome?.faultClass ?? 'unknown') : new Date(Math.floor(p.recordedAt / periodMs) * periodMs).toISOString();
    const list = groups.get(key);
    if (list) list.push(p);
    else groups.set(key, [p]);
  }
  return [...groups.entries()].sort(([a], [b]) => byId(a, b)).map(([key, ps]) => ({ key, calibration: calibrate(ps, binCount) }));
}
