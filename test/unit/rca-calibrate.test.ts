/** Temperature scaling of root-cause confidences (bench/rca/calibrate.ts) on answers built here. */
import { describe, expect, it } from 'vitest';
import { type Answer, ece, fitTemperature, topConfidence } from '../../bench/rca/calibrate.js';

/** `n` answers with scores [0, -1], `right` of them right. */
const answers = (n: number, right: number): Answer[] => Array.from({ length: n }, (_, i) => ({ set: 'x', scores: [0, -1], right: i < right }));

describe('confidence calibration', () => {
  it('gives the top candidate its softmax share, and all of it when it stands alone', () => {
    expect(topConfidence([3], 1)).toBe(1);
    expect(topConfidence([0, 0], 1)).toBeCloseTo(0.5);
    expect(topConfidence([0, -1], 0.5)).toBeCloseTo(1 / (1 + Math.exp(-2)));
    expect(topConfidence([], 1)).toBe(0);
  });

  it('finds the temperature at which the confidences match how often the top answer was right', () => {
    // At temperature 0.5 the top of [0, -1] has confidence 0.881: 881 of 1000 right is calibrated there.
    const a = answers(1000, 881);
    expect(fitTemperature(a)).toBeCloseTo(0.5, 1);
    expect(ece(a, 0.5)).toBeLessThan(0.01);
    // Far more right answers than the confidence says: a sharper softmax (a lower temperature) fits.
    expect(fitTemperature(answers(1000, 990))).toBeLessThan(fitTemperature(answers(1000, 881)));
  });
});
