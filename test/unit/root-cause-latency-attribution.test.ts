/**
 * Latency attribution: a dependency whose calls slowed far less than their caller did cannot
 * account for the caller slowing, whatever the order of the alerts (alerts that carry `value` and
 * `baseline`). Nor can a dependency that failed no requests and barely slowed account for its
 * caller failing requests: it was not timing them out. Without those two fields nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { causes, chainIds, Scenario } from './root-cause-scenario.js';

/** web -> api -> db; api slows by `apiRise` ms and says its calls to db slowed by `dbRise` ms, in the same minute. */
function slowApi(apiRise: number | null, dbRise: number | null): Scenario {
  const level = (rise: number | null, normal: number): Record<string, number> => (rise === null ? {} : { value: normal + rise, baseline: normal });
  return new Scenario()
    .graph({ web: ['api'], api: ['db'] }, { db: 'database' })
    .alert('a-api', 'api', 'latency', -10, level(apiRise, 20))
    .alert('a-api-db', 'api', 'latency', -10, { dependency: 'db', ...level(dbRise, 5) })
    .alert('a-web', 'web', 'latency', -8, { dependency: 'api', ...level(apiRise, 30) })
    .incident('inc', ['web']);
}

/** The evidence line for api over db in `slowApi(300, 1)`: both rises, the alerts that measured them and when. */
const WHY =
  "api's latency rose 300 ms (alert a-api, 320 against 20 at 2026-04-10T11:50:00.000Z), its calls to db 1 ms (alert a-api-db, 6 against 5 at 2026-04-10T11:50:00.000Z): db cannot account for it";

describe('latency attribution', () => {
  it('puts the database first when nothing says how far anything slowed (the calls below began as early)', async () => {
    const a = await slowApi(null, null).analyse();
    expect(causes(a)[0]).toBe('service:db');
  });

  it('puts the database first when its calls slowed about as much as the service did', async () => {
    const a = await slowApi(300, 250).analyse();
    expect(causes(a)[0]).toBe('service:db');
  });

  it('puts the service first when its calls to the database slowed by a sliver of what it did, and says why', async () => {
    const a = await slowApi(300, 1).analyse();
    expect(causes(a)[0]).toBe('service:api');
    expect(chainIds(a)).toEqual(['service:api', 'service:web']);
    expect(a.candidates[0]?.evidence).toContain(WHY);
    // The database's own story has a hop its caller's figures contradict: it ranks below.
    const db = a.candidates.find((c) => c.cause.kind === 'service' && c.cause.id === 'db');
    expect(db === undefined || db.rank > 1).toBe(true);
  });

  it('puts a deploy of the service first over a database whose calls barely slowed', async () => {
    const withRises = await slowApi(300, 1).deploy('d1', 'api', -15).analyse();
    expect(causes(withRises)[0]).toBe('deploy:d1');
    expect(withRises.candidates[0]?.evidence).toContain(WHY);
    expect(causes(withRises).indexOf('service:db')).toBeGreaterThan(0);
  });

  it("allows for the calls each request makes, where the dependencies' rates say it (an N+1 query pattern)", async () => {
    // 40 ms more per call is a fifth of what api slowed: too little for one call per request...
    expect(causes(await slowApi(200, 40).analyse())[0]).toBe('service:api');
    // ...but api makes ten calls to db per request it serves (1,000 calls/s against 100 requests/s).
    const nPlusOne = slowApi(200, 40).dependency('web', 'api', -1440, { rps: 100 }).dependency('api', 'db', -1440, { rps: 1000 });
    expect(causes(await nPlusOne.analyse())[0]).toBe('service:db');
  });

  it('does not clear a database whose calls fail: failing requests below can account for a slower caller', async () => {
    const s = slowApi(300, 1).alert('a-api-db-err', 'api', 'errors', -10, { dependency: 'db' });
    const a = await s.analyse();
    expect(causes(a)[0]).toBe('service:db');
  });
});

/**
 * web -> api -> db; api fails requests (web reports its calls to api failing) and reports its calls
 * to db slowed to `dbLevel` ms against a normal 20, a step earlier; db failed no requests.
 */
function failingApi(dbLevel: number | null): Scenario {
  return new Scenario()
    .graph({ web: ['api'], api: ['db'] }, { db: 'database' })
    .alert('a-api-db', 'api', 'latency', -15, { dependency: 'db', ...(dbLevel === null ? {} : { value: dbLevel, baseline: 20 }) })
    .alert('a-api', 'api', 'errors', -10)
    .alert('a-web', 'web', 'errors', -8, { dependency: 'api' })
    .incident('inc', ['web']);
}

describe('error attribution', () => {
  it('puts the database first when nothing says how far its calls slowed (it began failing first)', async () => {
    expect(causes(await failingApi(null).analyse())[0]).toBe('service:db');
  });

  it('puts the database first when its calls slowed enough to time requests out', async () => {
    // 30 against 20 ms: half again its normal latency.
    expect(causes(await failingApi(30).analyse())[0]).toBe('service:db');
  });

  it('puts the service first when its calls to the database barely slowed and failed none, and says why', async () => {
    const a = await failingApi(21).analyse();
    expect(causes(a)[0]).toBe('service:api');
    expect(a.candidates[0]?.evidence).toContain(
      'api fails requests, while db failed none and its calls rose only 1 ms (alert a-api-db, 21 against 20 at 2026-04-10T11:45:00.000Z); timeouts at 100 ms for one call in 20 would have raised them 4 ms or more: db cannot account for it',
    );
    const db = a.candidates.find((c) => c.cause.kind === 'service' && c.cause.id === 'db');
    expect(db === undefined || db.rank > 1).toBe(true);
  });

  it("judges by the caller's timeout on the calls, where the dependency says it (timeoutMs)", async () => {
    // 30 against 20 ms times nothing out when api waits 2 s on db: one call in twenty timing out would add 99 ms.
    const patient = await failingApi(30).dependency('api', 'db', -1440, { timeoutMs: 2000 }).analyse();
    expect(causes(patient)[0]).toBe('service:api');
    // With a 25 ms timeout, even a 2 ms rise can be calls timing out (one in twenty would add 0.25 ms).
    const impatient = await failingApi(22).dependency('api', 'db', -1440, { timeoutMs: 25 }).analyse();
    expect(causes(impatient)[0]).toBe('service:db');
  });

  it("reads a firing alert's latest level: a re-sent alert.fired updates its value and keeps when it fired", async () => {
    // The report on db first said 21 ms, then 40 (twice normal) while still firing.
    const a = await failingApi(21).alert('a-api-db', 'api', 'latency', -9, { dependency: 'db', value: 40, baseline: 20 }).analyse();
    expect(causes(a)[0]).toBe('service:db');
    expect(a.candidates[0]?.evidence).toContain('db began failing at 2026-04-10T11:45:00.000Z (calls to it failing, reported by api)');
  });

  it('puts a config change of the service first over a database whose calls ran faster than normal', async () => {
    // The alert came from another statistic: the calls' average was below normal.
    const a = await failingApi(18).config('c1', 'api', -20).analyse();
    expect(causes(a)[0]).toBe('config:c1');
  });
});

/**
 * web -> api -> {db, search}. search slows by 100 ms (its own alert); api slows by 90 ms in the
 * same minute, and its only report names db, whose calls it says slowed by `dbRise` ms.
 */
function namesTheWrongCallee(dbRise: number | null): Scenario {
  const level = (rise: number | null, normal: number): Record<string, number> => (rise === null ? {} : { value: normal + rise, baseline: normal });
  return new Scenario()
    .graph({ web: ['api'], api: ['db', 'search'] }, { db: 'database' })
    .alert('a-search', 'search', 'latency', -10, level(100, 10))
    .alert('a-api', 'api', 'latency', -10, level(dbRise === null ? null : 90, 30))
    .alert('a-api-db', 'api', 'latency', -10, { dependency: 'db', ...level(dbRise, 5) })
    .alert('a-web', 'web', 'latency', -8, { dependency: 'api' })
    .incident('inc', ['web']);
}

describe('a report that names a callee too slightly slowed to matter', () => {
  it('steers the walk to that callee when nothing says how far anything slowed', async () => {
    const a = await namesTheWrongCallee(null).analyse();
    expect(causes(a)[0]).toBe('service:db');
  });

  it('does not hide the callee that did slow: the walk below the service goes past the report', async () => {
    const a = await namesTheWrongCallee(1).analyse();
    expect(causes(a)[0]).toBe('service:search');
    expect(chainIds(a)).toEqual(['service:search', 'service:api', 'service:web']);
  });
});
