/** Measuring how well root-cause confidences say how often answers are right (bench/rca/calibrate.ts), on answers built here. */
import { describe, expect, it } from 'vitest';
import { type Answer, auc, ece, fitLogistic, logistic, logLoss } from '../../bench/rca/calibrate.js';

describe('confidence calibration', () => {
  it('recovers how often answers are right from what they saw', () => {
    // Answers that saw the symptom fail are right 90% of the time, the others 40%.
    const answers: Answer[] = [];
    for (let i = 0; i < 1000; i++) answers.push({ set: 'x', confidence: 0.9, inputs: [1], right: i % 10 !== 0 });
    for (let i = 0; i < 1000; i++) answers.push({ set: 'x', confidence: 0.4, inputs: [0], right: i % 10 < 4 });
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

describe('discrimination', () => {
  it('is 1 when every right answer is surer than every wrong one, 0.5 for a constant, 0 reversed', () => {
    const ys = [true, true, false, false];
    expect(auc([0.9, 0.8, 0.2, 0.1], ys)).toBe(1);
    expect(auc([0.5, 0.5, 0.5, 0.5], ys)).toBe(0.5);
    expect(auc([0.1, 0.2, 0.8, 0.9], ys)).toBe(0);
  });
});
