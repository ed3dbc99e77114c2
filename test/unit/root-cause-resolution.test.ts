/**
 * Root-cause timing rules under coarse evidence: the resolution read from the alert times, and each
 * tolerance widened by one step of it, so that onsets in the same or adjacent buckets are not
 * ordered by the rules. One small hand-built graph each; the scenarios put every alert on a
 * 5-minute grid (and, for contrast, the same story with a finer grid or farther apart).
 */
import { describe, expect, it } from 'vitest';
import { alertResolution } from '../../src/analysis/root-cause-timing.js';
import type { AlertState } from '../../src/model/views.js';
import { causes, Scenario, T } from './root-cause-scenario.js';

const MIN = 60_000;
const alertAt = (firedAt: number, resolvedAt: number | null = null): AlertState => ({
  id: `a${firedAt}`,
  service: 's',
  signal: 'errors',
  severity: null,
  value: null,
  baseline: null,
  summary: null,
  dependency: null,
  onsetObserved: true,
  active: resolvedAt === null,
  firedAt,
  resolvedAt,
});

/** web -> api -> db; api's failure shows in web. */
const shop = (): Scenario => new Scenario().graph({ web: ['api'], api: ['db'] }, { db: 'database' });
const evidence = (a: Awaited<ReturnType<Scenario['analyse']>>, id: string): string[] => a.candidates.find((c) => c.cause.id === id)?.evidence ?? [];

describe('root cause: the resolution of the evidence', () => {
  it('reads the grid the alert times sit on, and falls back to exact times when they show none', () => {
    const grid = [0, 5, 15, 25].map((m) => alertAt(T + m * MIN));
    expect(alertResolution(grid, 10 * MIN)).toBe(5 * MIN);
    // Resolved times count too: 0, 10 and 15 min are on a 5-minute grid, not a 10-minute one.
    expect(alertResolution([alertAt(T), alertAt(T + 10 * MIN, T + 15 * MIN)], 10 * MIN)).toBe(5 * MIN);
    // Two distinct times always share a grid: too few to tell.
    expect(alertResolution([alertAt(T), alertAt(T + 5 * MIN)], 10 * MIN)).toBe(0);
    // Millisecond times, or one alert off the grid by less than a second: exact.
    expect(alertResolution([...grid, alertAt(T + 7 * MIN + 250)], 10 * MIN)).toBe(0);
    expect(alertResolution([0, 1_234, 65_432].map((ms) => alertAt(T + ms)), 10 * MIN)).toBe(0);
    // A grid coarser than the cap is an accident of few alerts: its largest step within the cap.
    expect(alertResolution([0, 20, 40].map((m) => alertAt(T + m * MIN)), 10 * MIN)).toBe(10 * MIN);
  });

  it('does not hold against a change a failure below that showed in the adjacent bucket', async () => {
    const story = (dbAt: number): Scenario =>
      shop().deploy('d1', 'api', -32).alert('n1', 'db', 'latency', dbAt).alert('a1', 'api', 'errors', -20).alert('a2', 'web', 'errors', -15, { dependency: 'api' }).incident('inc', ['web']);
    const adjacent = await story(-25).analyse();
    expect(causes(adjacent)[0]).toBe('deploy:d1');
    expect(evidence(adjacent, 'd1').some((l) => l.includes('was already failing'))).toBe(false);
    // Two buckets before api's failure, db's is ordered first: the deploy does not explain it.
    const twoBefore = await story(-30).analyse();
    expect(evidence(twoBefore, 'd1').some((l) => l.startsWith('db, below api, was already failing'))).toBe(true);
  });

  it('holds against a change an unordered failure below that has a recorded change of its own', async () => {
    // db and api both changed shortly before failing in adjacent buckets: db's failure climbs to api
    // and explains both; api's change explains only its own.
    const a = await shop()
      .deploy('d-db', 'db', -35)
      .deploy('d-api', 'api', -32)
      .alert('n1', 'db', 'errors', -25)
      .alert('a1', 'api', 'errors', -20)
      .alert('a2', 'web', 'errors', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('deploy:d-db');
    expect(evidence(a, 'd-api').some((l) => l.startsWith('db, below api, was already failing'))).toBe(true);
  });

  it('counts a failure seen one bucket before a recorded change as its possible effect', async () => {
    // The deploy is logged at -22; api's failure shows in the bucket that opened at -25.
    const a = await shop().deploy('d1', 'api', -22).alert('a1', 'api', 'errors', -25).alert('a2', 'web', 'errors', -20, { dependency: 'api' }).alert('a3', 'web', 'latency', -15).incident('inc', ['web']).analyse();
    expect(causes(a)[0]).toBe('deploy:d1');
    expect(evidence(a, 'd1').some((l) => l.startsWith('api began failing'))).toBe(true);
    // With exact times the failure plainly came before the deploy.
    const exact = await shop().deploy('d1', 'api', -22).alert('a1', 'api', 'errors', -25.01).alert('a2', 'web', 'errors', -20, { dependency: 'api' }).alert('a3', 'web', 'latency', -15).incident('inc', ['web']).analyse();
    expect(evidence(exact, 'd1').some((l) => l.startsWith('api was already failing at') && l.endsWith("before the change: its failure is not the change's effect"))).toBe(true);
  });

  it('lets a setting governing calls to a dependency explain it failing in the adjacent bucket', async () => {
    const story = (dbAt: number): Scenario =>
      shop()
        .config('c-api', 'api', -40, { dependency: 'db' })
        .alert('n1', 'db', 'errors', dbAt)
        .alert('a1', 'api', 'errors', -20, { dependency: 'db' })
        .alert('a2', 'web', 'errors', -15, { dependency: 'api' })
        .incident('inc', ['web']);
    const adjacent = await story(-25).analyse();
    expect(causes(adjacent)[0]).toBe('config:c-api');
    // Two buckets before, db plainly failed first: the calls failed because db did.
    const twoBefore = await story(-30).analyse();
    expect(causes(twoBefore)[0]).toBe('service:db');
  });

  it('does not weaken a change by a later one within a step of the failure', async () => {
    const story = (secondAt: number): Scenario =>
      shop().deploy('d1', 'api', -40).deploy('d2', 'api', secondAt).alert('n0', 'web', 'traffic', -30).alert('a1', 'api', 'errors', -20).alert('a2', 'web', 'errors', -15, { dependency: 'api' }).incident('inc', ['web']);
    const within = await story(-22).analyse();
    expect(evidence(within, 'd1').some((l) => l.includes('changed again'))).toBe(false);
    const before = await story(-27).analyse();
    expect(evidence(before, 'd1').some((l) => l.includes('changed again (d2)'))).toBe(true);
  });

  it('judges a slow hop and a quick effect with one step of slack', async () => {
    // db saturated 15 min before api failed: on a 5-minute grid that is within the propagation time
    // (10 min) plus one step, so db's chain has no slow hop.
    const story = (apiAt: number): Scenario =>
      shop().alert('s1', 'db', 'saturation', -40).alert('a1', 'api', 'errors', apiAt, { dependency: 'db' }).alert('a2', 'web', 'errors', -20, { dependency: 'api' }).incident('inc', ['web']);
    const coarse = await story(-25).analyse();
    const exact = await story(-24.99).analyse();
    const db = (a: Awaited<ReturnType<Scenario['analyse']>>): number => a.candidates.find((c) => c.cause.id === 'db')?.score ?? NaN;
    expect(causes(coarse)[0]).toBe('service:db');
    expect(db(coarse)).toBeGreaterThan(db(exact));
    // A change 48 min before its failure on a 5-minute grid is a quick effect (45 min plus one step).
    const quick = await shop().config('c1', 'api', -68).alert('n1', 'db', 'latency', -30).alert('a1', 'api', 'errors', -20).alert('a2', 'web', 'errors', -15, { dependency: 'api' }).incident('inc', ['web']).analyse();
    expect(evidence(quick, 'c1').some((l) => l.startsWith('the change sat'))).toBe(false);
  });

  it('keeps a rolled-back deploy for a failure that showed within a step of its rollback', async () => {
    // Rolled back at -22; api's failure shows in the bucket that opened at -20, so it may have begun before.
    const story = (apiAt: number): Scenario =>
      shop().deploy('d1', 'api', -35).rollback('d1', -22).alert('a1', 'api', 'errors', apiAt).alert('a2', 'web', 'errors', -15, { dependency: 'api' }).alert('a3', 'web', 'latency', -10).incident('inc', ['web']);
    expect(causes(await story(-20).analyse())).toContain('deploy:d1');
    // With exact times the failure plainly began after the rollback: the deploy explains nothing.
    expect(causes(await story(-19.99).analyse())).not.toContain('deploy:d1');
  });
});
