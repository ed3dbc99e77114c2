import { describe, expect, it } from 'vitest';
import { type WhyAnswer, whyReport } from '../../src/api/why-report.js';

const answer = (over: Partial<WhyAnswer> = {}): WhyAnswer => ({
  incident: 'inc-42',
  at: '2026-04-10T12:00:00.000Z',
  symptomStart: '2026-04-10T11:48:00.000Z',
  lookbackFrom: '2026-04-03T12:00:00.000Z',
  failing: [
    { service: 'api', since: '2026-04-10T11:45:00.000Z', signals: ['errors'], reportedBy: ['web'] },
    { service: 'web', since: '2026-04-10T11:48:00.000Z', signals: ['errors'], reportedBy: [] },
  ],
  candidates: [
    {
      rank: 1,
      cause: { kind: 'DEPLOY', id: 'd1' },
      service: 'api',
      confidence: 0.934,
      evidence: ['flat'],
      hops: [
        { cause: { kind: 'DEPLOY', id: 'd1' }, effect: { kind: 'SERVICE', id: 'api' }, evidence: ['deploy d1 of api started', 'api began failing 5 min after the change'] },
        { cause: { kind: 'SERVICE', id: 'api' }, effect: { kind: 'SERVICE', id: 'web' }, evidence: ['web reported failing calls to api'] },
      ],
      remedy: { kind: 'ROLLBACK', service: 'api', why: 'roll back deploy d1 (v2) to v1', done: 'deploy d1 was rolled back at 2026-04-10T12:05:00.000Z' },
    },
    { rank: 2, cause: { kind: 'SERVICE', id: 'api' }, service: 'api', confidence: 0.05, evidence: ['api began failing'], hops: [], remedy: { kind: 'RESTART', service: 'api', why: 'restart api', done: null } },
  ],
  ruledOutCount: 7,
  ruledOut: [{ cause: { kind: 'DEPLOY', id: 'd-fix' }, reason: 'deploy d-fix of api came after the first symptom' }],
  ...over,
});

describe('ctxgraph why: the answer as text', () => {
  it('shows what failed, each candidate with its chain hop by hop and its remedy, and how many changes were ruled out', () => {
    expect(whyReport(answer()).split('\n')).toEqual([
      'inc-42: read at 2026-04-10T12:00:00.000Z, first symptom at 2026-04-10T11:48:00.000Z, changes since 2026-04-03T12:00:00.000Z',
      '',
      'Failing, earliest first:',
      '  2026-04-10T11:45:00.000Z  api (errors; reported by web)',
      '  2026-04-10T11:48:00.000Z  web (errors)',
      '',
      '1. deploy d1 (in api), confidence 93%',
      '   deploy d1 -> api',
      '     deploy d1 of api started',
      '     api began failing 5 min after the change',
      '   api -> web',
      '     web reported failing calls to api',
      '   remedy: ROLLBACK api: roll back deploy d1 (v2) to v1 (done: deploy d1 was rolled back at 2026-04-10T12:05:00.000Z)',
      '',
      '2. api, confidence 5%',
      '     api began failing',
      '   remedy: RESTART api: restart api',
      '',
      'Ruled out (7, latest 1 shown):',
      '  deploy d-fix of api came after the first symptom',
    ]);
  });

  it('says so when nothing is known to be failing, and when there is no candidate', () => {
    const text = whyReport(answer({ failing: [], candidates: [], ruledOutCount: 0, ruledOut: [] }));
    expect(text).toContain('Nothing in the episode is known to be failing: no alert corroborates the symptoms.');
    expect(text).toContain('No candidate cause.');
    expect(text).not.toContain('Ruled out');
  });
});
