/**
 * Cache-aside: a setting on a service's calls to a cache moves load onto the database the service
 * also calls. When that database saturates under a surge after the setting changed, the setting is
 * the cause and its chain starts at the database.
 */
import { describe, expect, it } from 'vitest';
import { causes, chainIds, Scenario } from './root-cause-scenario.js';

/** web -> api -> {store, db}; api's setting on its calls to `store` sat six hours; a surge at web; db saturates; api and web fail. */
function cutTtl(storeKind: string, dbAt = -12): Scenario {
  return new Scenario()
    .graph({ web: ['api'], api: ['store', 'db'] }, { store: storeKind, db: 'database' })
    .config('c-ttl', 'api', -360, { key: 'cache.ttlSeconds', value: 30, previousValue: 3600, dependency: 'store' })
    .alert('t-web', 'web', 'traffic', -20)
    .alert('s-db', 'db', 'saturation', dbAt)
    .alert('e-api', 'api', 'errors', -11, { dependency: 'db' })
    .alert('e-web', 'web', 'errors', -10, { dependency: 'api' })
    .incident('inc', ['web']);
}

describe('cache-aside', () => {
  it('names a cache setting woken by a surge over the database it moved load onto, with the chain through that database', async () => {
    const a = await cutTtl('cache').analyse();
    expect(causes(a)[0]).toBe('config:c-ttl');
    expect(chainIds(a)).toEqual(['config:c-ttl', 'service:db', 'service:api', 'service:web']);
    expect(a.candidates[0]?.evidence).toContain('setting c-ttl governs calls to store, a cache: what it no longer answers, api asks of db');
    expect(a.candidates[0]?.evidence.some((l) => l.startsWith('traffic surge alert t-web on web'))).toBe(true);
  });

  it('leaves a saturation under a surge to the database when the setting governs something that is not a cache', async () => {
    const a = await cutTtl('queue').analyse();
    expect(causes(a)[0]).toBe('service:db');
  });

  it('does not let a database that failed long before the service start the setting\'s chain', async () => {
    // db flapped two hours before api failed: that did not climb to api.
    const a = await cutTtl('cache', -130).analyse();
    expect(chainIds(a)[1]).not.toBe('service:db');
  });
});
