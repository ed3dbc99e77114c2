/** Fitting how sure root-cause answers are (bench/rca/calibrate.ts), on answers built here. */
import { describe, expect, it } from 'vitest';
import { type Answer, ece, fitLogistic, logLoss } from '../../bench/rca/calibrate.js';
import { logistic } from '../../src/analysis/root-cause-confidence.js';

describe('confidence calibration', () => {
  it('recovers how often answers are right from what they saw', () => {
    // Answers that saw the symptom fail are right 90% of the time, the others 40%.
    const answers: Answer[] = [];
    for (let i = 0; i < 1000; i++) answers.push({ set: 'x', inputs: [1], right: i % 10 !== 0 });
    for (let i = 0; i < 1000; i++) answers.push({ set: 'x', inputs: [0], right: i % 10 < 4 });
    const w = fitLogistic(answers, 3_000, 0.5, 0);
    expect(logistic(w[0] as number)).toBeCloseTo(0.4, 1);
    expect(logistic((w[0] as number) + (w[1] as number))).toBeCloseTo(0.9, 1);
  });

  it('scores calibration: zero error when confidences match outcomes, and log loss rewards it', () => {
    const ys = Array.from({ length: 100 }, (_, i) => i < 80);
    expect(ece(new Array<number>(100).fill(0.8), ys)).toBeCloseTo(0, 6);
    expect(ece(new Array<number>(100).fill(0.3), ys)).toBeCloseTo(0.5, 6);
    expect(logLoss(new Array<number>(100).fill(0.8), ys)).toBeLessThan(logLoss(new Array<number>(100).fill(0.3), ys));
  });
});
