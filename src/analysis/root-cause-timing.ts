/**
 * How finely the evidence of a slice is timed, and the timing tolerances that follow from it.
 *
 * Alerts come from monitoring that samples: a rule evaluated every minute, a metric aggregated in
 * 5-minute buckets. An alert's time then says only in which step the failure was first seen, so two
 * onsets in the same or adjacent steps cannot be ordered, and a delay is known only to within a step.
 * The contract carries no resolution per alert, so it is read from the data: the coarsest grid that
 * the episode's alert times (fired and resolved) sit on, relative to each other. A single alert off
 * the grid (a manual alert, a finer monitor) makes the grid fine again, so the rules fall back to the
 * exact times. A grid coarser than the propagation time is an accident of few alerts, not a
 * sampling step: the resolution is then the largest step of the grid that is not.
 */
import type { AlertState } from '../model/views.js';
import type { RootCauseOptions } from './root-cause-types.js';

const SECOND = 1_000;

export interface Timing {
  /** The granularity of the slice's alert times (0 when they are finer than a second). */
  resolutionMs: number;
  /** Ordering slack: clock disagreement plus one step ("not before" allows this much). */
  toleranceMs: number;
  /** How long before a change its effect may be seen (clock disagreement plus one step). */
  changeSkewMs: number;
  /** A change's effect within this is quick (one step of slack). */
  quickEffectMs: number;
  /** A surge triggers a failure within this (one step of slack). */
  surgeWindowMs: number;
  /** Per hop, how long a failure may take to climb to its caller; one step of slack is added per comparison. */
  propagationMs: number;
}

const gcd = (a: number, b: number): number => {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
};

/** Distinct alert times needed before their spacing is read as a grid: two times always share one. */
const GRID_MIN_TIMES = 3;

/**
 * The coarsest grid that the distinct alert times (fired and resolved) sit on: the greatest common
 * divisor of their distances, when at least three distinct times show it; 0 when they are finer
 * than a second or too few to tell. Capped (see above).
 */
export function alertResolution(alerts: readonly AlertState[], capMs: number): number {
  const times = new Set<number>();
  for (const a of alerts) {
    times.add(a.firedAt);
    if (a.resolvedAt !== null) times.add(a.resolvedAt);
  }
  if (times.size < GRID_MIN_TIMES) return 0;
  const t0 = Math.min(...times);
  let g = 0;
  for (const t of times) {
    if (t === t0) continue;
    g = gcd(g, t - t0);
    if (g < SECOND) return 0;
  }
  if (g <= capMs) return g;
  if (g % SECOND !== 0) return 0;
  // The largest step of the grid (a whole-second divisor of g) no coarser than the cap.
  for (let d = Math.floor(capMs / SECOND); d > 1; d--) if ((g / SECOND) % d === 0) return d * SECOND;
  return SECOND;
}

/** The options' tolerances, each widened by one step of the evidence's resolution. */
export function timingOf(o: RootCauseOptions, resolutionMs: number): Timing {
  return {
    resolutionMs,
    toleranceMs: o.toleranceMs + resolutionMs,
    changeSkewMs: o.changeSkewMs + resolutionMs,
    quickEffectMs: o.quickEffectMs + resolutionMs,
    surgeWindowMs: o.surgeWindowMs + resolutionMs,
    propagationMs: o.propagationMs,
  };
}

/** Whether `later` is observed after `earlier` by more than one step: closer onsets are not ordered. */
export const clearlyAfter = (t: Timing, later: number, earlier: number): boolean => later - earlier > t.resolutionMs;

/** The longest a failure may take to climb `hops` hops, with one step of slack for the observation. */
export const climbMs = (t: Timing, hops: number): number => t.propagationMs * hops + t.resolutionMs;
