/** Measuring how well root-cause confidences say how often answers are right (bench/rca/calibrate.ts), on answers built here. */
import { describe, expect, it } from 'vitest';
import { type Answer, auc, ece, fitLogistic, logistic, logLoss, perSetWeight } from '../../bench/rca/calibrate.js';
import { calibrationError } from '../../bench/rca/metrics.js';

describe('confidence calibration', () => {
  it('recovers how often answers are right from what they saw', () => {
    // Answers that saw the symptom fail are right 90% of the time, the others 40%.
    const answers: Answer[] = [];
    for (let i = 0; i < 1000; i++) answers.push({ set: 'x', share: 0.9, confidence: 0.9, inputs: [1], right: i % 10 !== 0 });
    for (let i = 0; i < 1000; i++) answers.push({ set: 'x', share: 0.4, confidence: 0.4, inputs: [0], right: i % 10 < 4 });
    const w = fitLogistic(answers, 3_000, 0.5, 0);
    expect(logistic(w[0] as number)).toBeCloseTo(0.4, 1);
    expect(logistic((w[0] as number) + (w[1] as number))).toBeCloseTo(0.9, 1);
  });

  it('returns weights for the raw inputs, whatever their scale', () => {
    // The same answers with the input on another scale and offset: 10 and 30 instead of 0 and 1.
    const answers: Answer[] = [];
    for (let i = 0; i < 1000; i++) answers.push({ set: 'x', share: 0, confidence: 0, inputs: [30], right: i % 10 !== 0 });
    for (let i = 0; i < 1000; i++) answers.push({ set: 'x', share: 0, confidence: 0, inputs: [10], right: i % 10 < 4 });
    const w = fitLogistic(answers, 3_000, 0.5, 0);
    expect(logistic((w[0] as number) + 10 * (w[1] as number))).toBeCloseTo(0.4, 1);
    expect(logistic((w[0] as number) + 30 * (w[1] as number))).toBeCloseTo(0.9, 1);
  });

  it('weighs each set the same when asked: a small set is not drowned by a large one', () => {
    // 1,900 answers right 99% of the time, 100 right 50% of the time; no input tells them apart.
    const answers: Answer[] = [];
    for (let i = 0; i < 1900; i++) answers.push({ set: 'big', share: 0, confidence: 0, inputs: [0], right: i % 100 !== 0 });
    for (let i = 0; i < 100; i++) answers.push({ set: 'small', share: 0, confidence: 0, inputs: [0], right: i % 2 === 0 });
    expect(logistic(fitLogistic(answers, 3_000, 0.5, 0)[0] as number)).toBeGreaterThan(0.9);
    expect(logistic(fitLogistic(answers, 3_000, 0.5, 0, perSetWeight(answers))[0] as number)).toBeCloseTo(0.745, 2);
  });

  it('scores calibration: zero error when confidences match outcomes, and log loss rewards it', () => {
    const ys = Array.from({ length: 100 }, (_, i) => i < 80);
    expect(ece(new Array<number>(100).fill(0.8), ys)).toBeCloseTo(0, 6);
    expect(ece(new Array<number>(100).fill(0.3), ys)).toBeCloseTo(0.5, 6);
    expect(logLoss(new Array<number>(100).fill(0.8), ys)).toBeLessThan(logLoss(new Array<number>(100).fill(0.3), ys));
  });

  it('weighs each reported bin by its answers', () => {
    // 30 answers 0.1 too sure, 10 answers 0.5 too sure: (30 * 0.1 + 10 * 0.5) / 40.
    expect(calibrationError([{ n: 30, meanConfidence: 0.9, accuracy: 0.8 }, { n: 10, meanConfidence: 0.7, accuracy: 0.2 }])).toBeCloseTo(0.2, 9);
    expect(calibrationError([])).toBe(0);
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
