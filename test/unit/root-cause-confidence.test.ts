/** Root-cause confidence: the top answer's probability from what it shows, the rest sharing what is left. */
import { describe, expect, it } from 'vitest';
import { confidences, topConfidence } from '../../src/analysis/root-cause-confidence.js';
import { causes, Scenario } from './root-cause-scenario.js';

describe('root cause: confidence', () => {
  it('is lower when the top chain leaves failing services unexplained, with the same answer on top', async () => {
    const base = (): Scenario =>
      new Scenario()
        .graph({ web: ['api', 'search', 'cart', 'auth'], api: ['db'] }, { db: 'database' })
        .deploy('d1', 'api', -20)
        .alert('a1', 'api', 'errors', -15)
        .alert('a2', 'web', 'errors', -12, { dependency: 'api' });
    const clean = await base().incident('inc', ['web']).analyse();
    // The same incident, with three more services failing that api's chain does not reach.
    const noisy = await base().alert('n1', 'search', 'latency', -14).alert('n2', 'cart', 'latency', -13).alert('n3', 'auth', 'latency', -13).incident('inc', ['web']).analyse();
    expect(causes(clean)[0]).toBe('deploy:d1');
    expect(causes(noisy)[0]).toBe('deploy:d1');
    expect(noisy.candidates[0]?.confidence ?? 1).toBeLessThan(clean.candidates[0]?.confidence ?? 0);
    // Every draft is listed here, so the top's softmax share can be read back from the scores: the
    // three failing services off api's chain count against it, web and api on the chain do not.
    const read = (a: typeof clean, unexplained: number): [number, number] => {
      const top = a.candidates[0]!;
      const share = 1 / a.candidates.reduce((t, c) => t + Math.exp(c.score - top.score), 0);
      return [top.confidence, topConfidence({ share, score: top.score, unexplained })];
    };
    expect(noisy.candidates.length).toBeLessThan(10); // the limit the scenario asks for: none left out
    const [ours, model] = read(noisy, 3);
    expect(ours).toBeCloseTo(model, 9);
    const [cleanOurs, cleanModel] = read(clean, 0);
    expect(cleanOurs).toBeCloseTo(cleanModel, 9);
  });

  it('rises with the evidence behind the top answer and with its margin over the rest', () => {
    const seen = { share: 0.6, score: 4, unexplained: 1 };
    expect(topConfidence({ ...seen, score: 8 })).toBeGreaterThan(topConfidence(seen));
    expect(topConfidence({ ...seen, share: 0.95 })).toBeGreaterThan(topConfidence(seen));
    expect(topConfidence({ ...seen, unexplained: 6 })).toBeLessThan(topConfidence(seen));
  });

  it('gives the others what is left in proportion to their shares, none above the top, all summing to at most 1', () => {
    for (const [shares, score] of [
      [[0.5, 0.3, 0.2], 10],
      [[0.4, 0.39, 0.2], -3],
      [[0.9, 0.05], 2],
    ] as [number[], number][]) {
      const c = confidences(shares, { score, unexplained: 0 });
      expect(c[0]).toBeCloseTo(topConfidence({ share: shares[0] as number, score, unexplained: 0 }), 12);
      for (let i = 1; i < c.length; i++) expect(c[i]).toBeLessThanOrEqual(c[i - 1] as number);
      expect(c.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-12);
    }
    // Below the cap the second and third keep their shares' ratio.
    const c = confidences([0.5, 0.3, 0.15], { score: 10, unexplained: 0 });
    expect((c[1] as number) / (c[2] as number)).toBeCloseTo(2, 9);
  });
});
