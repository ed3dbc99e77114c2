/**
 * A failing service is "a failure with no change behind it" only when no recorded change concerns
 * it: its own deploys and config changes, a setting shared with it (`services`), and a setting on
 * calls to a cache that moves load onto it (cache-aside). Otherwise its service candidate must not
 * claim, in its evidence, that nothing changed.
 */
import { describe, expect, it } from 'vitest';
import type { RootCauseAnalysis } from '../../src/analysis/root-cause.js';
import { Scenario } from './root-cause-scenario.js';

const NOTHING_CHANGED = 'no deploy or config change on db';

function serviceEvidence(a: RootCauseAnalysis, service: string): string[] {
  const c = a.candidates.find((x) => x.cause.kind === 'service' && x.cause.id === service);
  if (!c) throw new Error(`no service candidate ${service} in ${JSON.stringify(a.candidates.map((x) => x.cause))}`);
  return c.evidence;
}

/** web -> api -> db; db fails, then api, then web. */
const failingDb = (): Scenario =>
  new Scenario()
    .graph({ web: ['api'], api: ['db', 'store'] }, { db: 'database', store: 'cache' })
    .alert('s-db', 'db', 'saturation', -20)
    .alert('e-api', 'api', 'errors', -15, { dependency: 'db' })
    .alert('e-web', 'web', 'errors', -10, { dependency: 'api' })
    .incident('inc', ['web']);

describe('a change behind a failing service', () => {
  it('says nothing changed on a service that failed with no change concerning it', async () => {
    const a = await failingDb().analyse();
    expect(serviceEvidence(a, 'db').some((l) => l.startsWith(NOTHING_CHANGED))).toBe(true);
  });

  it('counts a setting shared with the service', async () => {
    const a = await failingDb().config('c-shared', 'api', -25, { key: 'pool.size', value: 2, services: ['db'] }).analyse();
    expect(serviceEvidence(a, 'db').some((l) => l.startsWith(NOTHING_CHANGED))).toBe(false);
  });

  it('counts a setting on calls to a cache that moves load onto the service (cache-aside)', async () => {
    const a = await failingDb().config('c-ttl', 'api', -25, { key: 'cache.ttlSeconds', value: 30, previousValue: 3600, dependency: 'store' }).analyse();
    expect(serviceEvidence(a, 'db').some((l) => l.startsWith(NOTHING_CHANGED))).toBe(false);
  });

  it('does not count a setting of a caller that neither is shared with the service nor feeds it', async () => {
    const a = await failingDb().config('c-own', 'api', -25, { key: 'log.level', value: 'debug' }).analyse();
    expect(serviceEvidence(a, 'db')).toContain('no deploy or config change on db from 2026-04-03T12:00:00.000Z to its failure at 2026-04-10T11:40:00.000Z');
  });

  it('names the changes of the service that do not stand behind its failure, each with why, instead of saying there were none', async () => {
    const a = await failingDb()
      .deploy('d-old', 'db', -360)
      .deploy('d-back', 'db', -120)
      .rollback('d-back', -100)
      .deploy('d-late', 'db', -5)
      .analyse();
    const line = serviceEvidence(a, 'db').find((l) => l.startsWith(NOTHING_CHANGED));
    expect(line).toBe(
      'no deploy or config change on db stands behind its failure at 2026-04-10T11:40:00.000Z: ' +
        'deploy d-late at 2026-04-10T11:55:00.000Z, after the failure began; ' +
        'deploy d-back at 2026-04-10T10:00:00.000Z, rolled back at 2026-04-10T10:20:00.000Z; ' +
        'deploy d-old at 2026-04-10T06:00:00.000Z, 5.7 h before it, with no traffic surge reaching it in the 35 min before the failure to wake it',
    );
  });
});
