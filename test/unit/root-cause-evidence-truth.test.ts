/**
 * Every evidence line is a fact a person can check against the graph. These pin lines that once
 * said something the graph contradicted: "no alert on api" while api's alert was firing, and a
 * surge "35 min after the change" in the story of a service with no change, and a change that "sat
 * with no traffic surge before the failure" when a surge had passed earlier.
 */
import { describe, expect, it } from 'vitest';
import type { RootCauseAnalysis } from '../../src/analysis/root-cause.js';
import { Scenario } from './root-cause-scenario.js';

const evidence = (a: RootCauseAnalysis, id: string): string[] => a.candidates.find((c) => c.cause.id === id)?.evidence ?? [];

/** web -> api -> db; web reports failing calls to api ten minutes before the incident. */
const shop = (): Scenario =>
  new Scenario()
    .graph({ web: ['api'], api: ['db'] }, { db: 'database' })
    .alert('e-web', 'web', 'errors', -10, { dependency: 'api' })
    .incident('inc', ['web']);

describe('evidence that the graph can check', () => {
  it("says a change's service was already failing before it, not that it showed no alert", async () => {
    const a = await shop().alert('l-api', 'api', 'latency', -40).deploy('d1', 'api', -30).analyse();
    const lines = evidence(a, 'd1');
    expect(lines).toContain("api was already failing at 2026-04-10T11:20:00.000Z, 10 min before the change: its failure is not the change's effect");
    expect(lines.some((l) => l.startsWith('no failure on api') || l.startsWith('no alert on api'))).toBe(false);
  });

  it('does not count a traffic alert as a failure of the changed service, and says no failure rather than no alert', async () => {
    const a = await new Scenario()
      .graph({ web: ['api'], api: ['db'] })
      .deploy('d1', 'api', -30)
      .alert('t-api', 'api', 'traffic', -20)
      .alert('e-web', 'web', 'errors', -10)
      .incident('inc', ['web'])
      .analyse();
    expect(evidence(a, 'd1')).toContain('no failure on api between the change and 2026-04-10T11:50:00.000Z (no alert of it failing, no caller reporting failing calls to it)');
  });

  it("dates a surge in a service's own story by the failure, since there is no change to date it by", async () => {
    const a = await shop().deploy('d1', 'api', -30).alert('t-api', 'api', 'traffic', -20).analyse();
    const surge = evidence(a, 'api').find((l) => l.startsWith('traffic surge alert t-api'));
    expect(surge).toBe('traffic surge alert t-api on api at 2026-04-10T11:40:00.000Z, 10 min before the failure began');
  });

  it('says a stale change had no surge in the window that counts, not none at all, when an earlier surge passed', async () => {
    const a = await shop().deploy('d1', 'api', -360).alert('t-web', 'web', 'traffic', -120).alert('e-api', 'api', 'errors', -15).analyse();
    const stale = evidence(a, 'd1').find((l) => l.startsWith('the change sat'));
    expect(stale).toBe('the change sat 5.8 h (from 2026-04-10T06:00:00.000Z to 2026-04-10T11:45:00.000Z) with no traffic surge reaching it in the 35 min before the failure');
  });
});
