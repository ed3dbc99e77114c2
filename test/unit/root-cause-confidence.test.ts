/** Root-cause confidences: calibrated for the top candidate, shared by the rest, monotone in rank. */
import { describe, expect, it } from 'vitest';
import { confidences, DEFAULT_CALIBRATION, type TopEvidence, topConfidence } from '../../src/analysis/root-cause-confidence.js';

const seen: TopEvidence = { softmax: 0.9, symptomSeen: true, change: true, coherentChain: 1, deepest: true };

describe('root-cause confidence', () => {
  it('is surer of an answer that saw more of the failure', () => {
    const full = topConfidence(seen, DEFAULT_CALIBRATION);
    expect(full).toBeGreaterThan(0.5);
    expect(full).toBeLessThan(1);
    for (const weaker of [{ symptomSeen: false }, { change: false }, { coherentChain: 0.3 }, { deepest: false }, { softmax: 0.4 }]) {
      expect(topConfidence({ ...seen, ...weaker }, DEFAULT_CALIBRATION)).toBeLessThan(full);
    }
  });

  it('shares the rest among the others by softmax, never above a better-ranked one, summing to at most 1', () => {
    const c = confidences([0.5, 0.3, 0.2], 0.8);
    expect(c[0]).toBe(0.8);
    expect(c[1]).toBeCloseTo(0.2 * (0.3 / 0.5));
    expect(c[2]).toBeCloseTo(0.2 * (0.2 / 0.5));
    // An unsure top: the second would get more by its share; it is capped at the top's.
    const unsure = confidences([0.6, 0.35, 0.05], 0.2);
    expect(unsure[1]).toBeLessThanOrEqual(unsure[0] as number);
    for (const xs of [c, unsure]) expect(xs.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(confidences([1], 0.7)).toEqual([0.7]);
    expect(confidences([], 0.7)).toEqual([]);
  });
});
