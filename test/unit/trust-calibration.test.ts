import { describe, expect, it } from 'vitest';
import type { EntityRef } from '../../schema/events.js';
import type { RootCauseAnalysis } from '../../src/analysis/root-cause-types.js';
import { calibrate, calibrateBy } from '../../src/trust/calibration.js';
import { DAY } from '../../src/trust/durations.js';
import { CTXGRAPH, hasProvenance, type Prediction, rootCausePrediction, settleBlastRadius, settleRootCause, versionOf } from '../../src/trust/provenance.js';

const T0 = Date.parse('2026-05-01T00:00:00Z');
const deploy = (id: string): EntityRef => ({ kind: 'deploy', id });

function analysis(incident: string, causes: [EntityRef, number][]): RootCauseAnalysis {
  return {
    incident,
    at: T0,
    symptomStart: T0,
    lookbackFrom: T0 - 7 * DAY,
    ruledOut: [],
    failing: [],
    candidates: causes.map(([cause, confidence], i) => ({ rank: i + 1, cause, service: 'api', confidence, chain: [cause], evidence: [`why ${cause.id}`], hops: [], score: 0, remedy: null })),
  };
}

const predict = (incident: string, causes: [EntityRef, number][], over: Partial<Prediction> = {}): Prediction => ({
  ...rootCausePrediction({ id: incident, author: CTXGRAPH, mode: 'decision', analysis: analysis(incident, causes), service: 'api', knownAt: T0, version: 'root-cause@1', recordedAt: T0 }),
  ...over,
});
const resolved = (p: Prediction, truth: EntityRef, faultClass: string | null = null): Prediction => settleRootCause(p, { rootCause: truth, chain: [] }, faultClass, T0 + DAY);

describe('settling a root-cause prediction', () => {
  it('records the rank of the true cause and whether the top candidate was right', () => {
    const p = predict('i1', [[deploy('a'), 0.6], [deploy('b'), 0.3], [deploy('c'), 0.1]]);
    expect(resolved(p, deploy('a')).outcome).toMatchObject({ correct: true, rank: 1, truth: ['deploy:a'], faultClass: 'deploy' });
    expect(resolved(p, deploy('c')).outcome).toMatchObject({ correct: false, rank: 3 });
    expect(resolved(p, { kind: 'config', id: 'x' }).outcome).toMatchObject({ correct: false, rank: null, faultClass: 'config' });
  });

  it('uses the head of the chain when no root cause is named, and leaves it open when neither is', () => {
    const p = predict('i1', [[deploy('a'), 0.6]]);
    expect(settleRootCause(p, { rootCause: null, chain: [deploy('a'), { kind: 'service', id: 'api' }] }, null, T0).outcome?.rank).toBe(1);
    expect(settleRootCause(p, { rootCause: null, chain: [] }, null, T0).outcome).toBeNull();
  });

  it('keeps the inputs: instant, evidence and version', () => {
    const p = predict('i1', [[deploy('a'), 0.6]]);
    expect(p).toMatchObject({ at: T0, knownAt: T0, version: 'root-cause@1', evidence: ['#1 deploy:a: why a'] });
    expect(hasProvenance(p)).toBe(true);
    expect(hasProvenance({ ...p, version: '' })).toBe(false);
  });

  it('names the analysis version after its parameters, whatever their key order', () => {
    expect(versionOf('root-cause', { a: 1, b: { c: 2, d: 3 } })).toBe(versionOf('root-cause', { b: { d: 3, c: 2 }, a: 1 }));
    expect(versionOf('root-cause', { a: 1 })).not.toBe(versionOf('root-cause', { a: 2 }));
  });
});

describe('settling a blast-radius prediction', () => {
  it('is right when every service seen affected was predicted', () => {
    const p: Prediction = { ...predict('x', []), kind: 'blast-radius', action: 'a1', impacted: ['db', 'api', 'web'] };
    expect(settleBlastRadius(p, ['api', 'web'], T0).outcome?.correct).toBe(true);
    expect(settleBlastRadius(p, ['api', 'billing'], T0).outcome).toMatchObject({ correct: false, truth: ['api', 'billing'] });
  });
});

describe('calibration', () => {
  const settled = [
    resolved(predict('i1', [[deploy('a'), 0.95], [deploy('b'), 0.05]]), deploy('a')),
    resolved(predict('i2', [[deploy('a'), 0.92], [deploy('b'), 0.08]]), deploy('b')),
    resolved(predict('i3', [[deploy('a'), 0.35], [deploy('b'), 0.3], [deploy('c'), 0.2]]), deploy('c'), 'service'),
    resolved(predict('i4', [[deploy('a'), 0.31], [deploy('b'), 0.3]]), deploy('z')),
  ];

  it('reports Top-1 and Top-3 hit rates over settled predictions only', () => {
    const c = calibrate([...settled, predict('open', [[deploy('a'), 0.9]])]);
    expect(c).toMatchObject({ total: 4, top1: 1, top3: 3, top1Rate: 0.25, top3Rate: 0.75 });
  });

  it('puts each prediction in the bin of its top confidence, against how often the top was right', () => {
    const c = calibrate(settled);
    expect(c.bins).toHaveLength(10);
    expect(c.bins[9]).toMatchObject({ from: 0.9, to: 1, count: 2, observed: 0.5 });
    expect(c.bins[9]?.meanConfidence).toBeCloseTo(0.935);
    expect(c.bins[3]).toMatchObject({ count: 2, observed: 0 });
    expect(c.bins[5]).toMatchObject({ count: 0, meanConfidence: null, observed: null });
    // |0.935 - 0.5| * 2/4 + |0.33 - 0| * 2/4
    expect(c.ece).toBeCloseTo(0.3825);
  });

  it('an empty record has no rates rather than zero', () => {
    expect(calibrate([])).toMatchObject({ total: 0, top1Rate: null, top3Rate: null, ece: null });
  });

  it('splits by service, by fault class and by period', () => {
    const other = resolved(predict('i5', [[deploy('q'), 0.8]], { service: 'db', recordedAt: T0 + 8 * DAY }), deploy('q'));
    const all = [...settled, other];
    expect(calibrateBy(all, 'service', DAY).map((s) => [s.key, s.calibration.top1])).toEqual([['api', 1], ['db', 1]]);
    expect(calibrateBy(all, 'faultClass', DAY).map((s) => [s.key, s.calibration.total])).toEqual([['deploy', 4], ['service', 1]]);
    expect(calibrateBy(all, 'period', 7 * DAY).map((s) => s.calibration.total)).toEqual([4, 1]);
  });
});
