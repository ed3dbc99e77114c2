/**
 * Root-cause rules about time along the chain: what a failure below, a governed dependency, a surge
 * and a later change of the same service can and cannot explain. One small hand-built graph each.
 */
import { describe, expect, it } from 'vitest';
import { causes, chainIds, Scenario, T } from './root-cause-scenario.js';

/** web -> api -> db, and web -> search; api's failure shows in web. */
const shop = (): Scenario => new Scenario().graph({ web: ['api', 'search'], api: ['db'] }, { db: 'database' });

describe('root cause: timing along the chain', () => {
  it('does not hold against a deploy a failure below that began long before its service failed', async () => {
    // db has been flagged for two hours while api kept working; api broke minutes after its deploy.
    const base = (dbAt: number): Scenario =>
      shop().alert('n1', 'db', 'latency', dbAt).deploy('d1', 'api', -20).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    const longBefore = await base(-120).analyse();
    expect(causes(longBefore)[0]).toBe('deploy:d1');
    expect(longBefore.candidates[0]?.evidence.some((l) => l.includes('was already failing'))).toBe(false);
    // The same failure a few minutes before api's is one the deploy does not explain (-19, not -18:
    // alerts at -18, -15 and -12 alone would read as a 3-minute grid, on which -18 and -15 are not ordered).
    const justBefore = await base(-19).analyse();
    const d1 = justBefore.candidates.find((c) => c.cause.id === 'd1');
    expect(d1?.evidence.some((l) => l.startsWith('db, below api, was already failing'))).toBe(true);
  });

  it('does not let a setting that governs calls to a dependency explain the dependency failing first', async () => {
    // An old retry setting on api governs its calls to db; db broke by itself after its own change,
    // and api reported failing calls to it a little later (3 min: more than a step of the 1-minute grid). Both changes were woken by the surge.
    const a = await shop()
      .config('c-api', 'api', -30 * 60, { dependency: 'db' })
      .config('c-db', 'db', -8 * 60)
      .alert('t1', 'web', 'traffic', -25)
      .alert('a0', 'db', 'errors', -22)
      .alert('a1', 'api', 'errors', -19, { dependency: 'db' })
      .alert('a2', 'web', 'errors', -17, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('config:c-db');
    expect(chainIds(a)).toEqual(['config:c-db', 'service:db', 'service:api', 'service:web']);
    const api = a.candidates.find((c) => c.cause.id === 'c-api');
    expect(api?.evidence.some((l) => l.startsWith('api reported failing calls to db'))).toBe(true);
  });

  it('lets a surge that came after a recent change explain a saturation alone', async () => {
    // A config change 30 min before, then a surge, then api saturates within minutes of it.
    const a = await shop()
      .config('c1', 'api', -40)
      .alert('t1', 'web', 'traffic', -16)
      .alert('a1', 'api', 'saturation', -12)
      .alert('a2', 'web', 'latency', -10, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:api');
    const c1 = a.candidates.find((c) => c.cause.id === 'c1');
    expect(c1?.evidence.some((l) => l.startsWith('traffic surge alert t1'))).toBe(true);
  });

  it('prefers the later of two deploys of a service that both came shortly before its failure', async () => {
    // d-a ran for 25 minutes without failing; api broke 5 minutes after d-b.
    const a = await shop().deploy('d-a', 'api', -35).deploy('d-b', 'api', -10).alert('a1', 'api', 'errors', -5).alert('a2', 'web', 'errors', -3, { dependency: 'api' }).incident('inc', ['web']).analyse();
    expect(causes(a).slice(0, 2)).toEqual(['deploy:d-b', 'deploy:d-a']);
    expect(a.candidates[1]?.evidence.some((l) => l.startsWith('api changed again (d-b)'))).toBe(true);
  });

  it('counts a chain slow when a failure took far longer than minutes per hop to climb past a healthy service', async () => {
    // db's deploy broke it an hour before web failed; api in between never failed. cache's
    // saturation climbed to web through api within minutes.
    const a = await new Scenario()
      .graph({ web: ['api'], api: ['db', 'cache'] }, { db: 'database', cache: 'cache' })
      .deploy('d-db', 'db', -70)
      .alert('a0', 'db', 'errors', -65)
      .alert('a1', 'cache', 'saturation', -8)
      .alert('a2', 'web', 'latency', -4)
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:cache');
  });

  it('does not let a deploy whose failure never climbed to its caller explain the caller saturating after a surge', async () => {
    // db was flagged minutes after its deploy, and api went on working for 50 minutes; then a surge
    // came and api saturated within minutes (an old setting on api was woken by it too).
    const a = await shop()
      .config('c-api', 'api', -3 * 1440)
      .deploy('d-db', 'db', -75)
      .alert('n1', 'db', 'saturation', -70)
      .alert('t1', 'web', 'traffic', -35)
      .alert('a1', 'api', 'saturation', -20)
      .alert('a2', 'api', 'latency', -19)
      .alert('a3', 'web', 'errors', -17)
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:api');
  });

  it('puts a callee flagged at the same instant first when neither has a change: failures climb calls', async () => {
    // Coarse metrics: api and db were both flagged in the same bucket; web reports its calls to api
    // failing, nobody watches calls to db. Nothing orders them in time, but api calls db and not the
    // other way round, so db's slowness can explain api's and api's cannot explain db's.
    const a = await shop()
      .alert('a0', 'api', 'latency', -10)
      .alert('a1', 'db', 'latency', -10)
      .alert('a2', 'web', 'errors', -5, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a).slice(0, 2)).toEqual(['service:db', 'service:api']);
    const api = a.candidates.find((c) => c.cause.id === 'api');
    expect(api?.evidence.some((l) => l.includes('db, which api calls, began failing'))).toBe(true);
    // Same instant is not "earlier": nothing says db was already failing.
    expect(api?.evidence.some((l) => l.includes('was already failing'))).toBe(false);
  });

  it('does not let a callee that only slowed explain its caller failing requests in the same instant', async () => {
    // api's own requests fail (errors), db only slowed: slowness below does not make requests fail above.
    const a = await shop()
      .alert('a0', 'api', 'errors', -10)
      .alert('a1', 'db', 'latency', -10)
      .alert('a2', 'web', 'errors', -5, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:api');
    expect(a.candidates[0]?.evidence.some((l) => l.includes('which api calls'))).toBe(false);
  });

  it('does not hold a callee flagged after a service against it, even within the resolution', async () => {
    // 5-minute buckets (search's flaps put the alerts on that grid): db's first alert is a bucket
    // after api's.
    const a = await shop()
      .alert('a0', 'api', 'latency', -15)
      .alert('a1', 'db', 'latency', -10)
      .alert('x0', 'search', 'latency', -25)
      .resolve('x0', -20)
      .alert('a2', 'web', 'errors', -5, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:api');
  });

  it('reads the symptom start from the failure seen to begin, not from one already under way when first seen', async () => {
    // web was already slow when first watched an hour ago (onset unknown); its errors on calls to
    // api began at -10, after api's deploy broke api.
    const a = await shop()
      .alert('w0', 'web', 'latency', -60, { onsetObserved: false })
      .deploy('d1', 'api', -20)
      .alert('a1', 'api', 'errors', -15)
      .alert('w1', 'web', 'errors', -10, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(a.symptomStart).toBe(T - 10 * 60_000);
    expect(causes(a)[0]).toBe('deploy:d1');
  });

  it('weighs a failure only seen already under way, well before the symptom began, as one that went on without effect', async () => {
    const at = (observed: boolean) =>
      shop()
        .alert('d0', 'db', 'latency', -20, observed ? {} : { onsetObserved: false })
        .alert('a0', 'api', 'latency', -10)
        .alert('w0', 'web', 'errors', -5, { dependency: 'api' })
        .incident('inc', ['web'])
        .analyse();
    const [seen, unseen] = [await at(true), await at(false)];
    const db = (x: typeof seen) => x.candidates.find((c) => c.cause.id === 'db');
    expect((db(unseen)?.score ?? 0) + 2.5).toBeCloseTo(db(seen)?.score ?? 0);
    expect(db(unseen)?.evidence.some((l) => l.includes('db was already failing when first seen'))).toBe(true);
    expect(db(seen)?.evidence.some((l) => l.includes('already failing when first seen'))).toBe(false);
  });

  it('does not hold an unseen onset against a cause when the symptom too was already failing when first seen', async () => {
    const a = await shop()
      .alert('d0', 'db', 'latency', -20, { onsetObserved: false })
      .alert('w0', 'web', 'latency', -20, { onsetObserved: false })
      .alert('x0', 'search', 'latency', -10)
      .incident('inc', ['web'])
      .analyse();
    expect(a.candidates.find((c) => c.cause.id === 'db')?.evidence.some((l) => l.includes('without bringing the symptom down'))).toBe(false);
  });

  it('sees a service that only reports failing calls to a failing callee as a victim, not a source', async () => {
    // api flagged slowness first (a warning), then reported its calls to db failing; db itself has
    // no monitoring: only api's client-side alert shows it down.
    const a = await shop()
      .alert('a0', 'api', 'latency', -12)
      .alert('a1', 'api', 'errors', -8, { dependency: 'db' })
      .alert('a2', 'web', 'errors', -6, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:db');
    const api = a.candidates.find((c) => c.cause.id === 'api');
    expect(api?.evidence.some((l) => l.startsWith('api reported failing calls to db'))).toBe(true);
  });

  it('counts a consumer of a surge-woken shared setting as its effect only when it failed after the surge', async () => {
    // An older setting on api, shared with cart, and a newer one on api alone; a surge, then api
    // broke. cart was flagged too: before the surge came, or after it.
    const base = (cartAt: number) =>
      new Scenario()
        .graph({ web: ['api', 'cart'] })
        .config('c-old', 'api', -8 * 60, { key: 'pool.maxConnections', services: ['cart'] })
        .config('c-new', 'api', -6 * 60)
        .alert('t1', 'web', 'traffic', -20)
        .alert('n1', 'cart', 'errors', cartAt)
        .alert('a1', 'api', 'errors', -15)
        .alert('a2', 'web', 'errors', -12, { dependency: 'api' })
        .incident('inc', ['web'])
        .analyse();
    const before = await base(-25);
    expect(causes(before)[0]).toBe('config:c-new');
    const after = await base(-17);
    expect(causes(after)[0]).toBe('config:c-old');
    expect(after.candidates[0]?.evidence.some((l) => l.startsWith('cart began failing'))).toBe(true);
  });

  it('does not count a consumer of a shared setting whose only failure is its calls to another failing consumer', async () => {
    // An old setting on checkout, shared with payment, and a newer one on payment alone; a surge,
    // then payment broke and checkout reported its calls to payment failing.
    const base = (checkoutOwn: boolean) => {
      const s = new Scenario()
        .graph({ web: ['checkout'], checkout: ['payment'] })
        .config('c-old', 'checkout', -40 * 60, { services: ['payment'] })
        .config('c-new', 'payment', -8 * 60)
        .alert('t1', 'web', 'traffic', -20)
        .alert('a1', 'payment', 'errors', -15)
        .alert('a2', 'checkout', 'errors', -13, { dependency: 'payment' })
        .alert('a3', 'web', 'errors', -10, { dependency: 'checkout' });
      return (checkoutOwn ? s.alert('a4', 'checkout', 'latency', -16) : s).incident('inc', ['web']).analyse();
    };
    expect(causes(await base(false))[0]).toBe('config:c-new');
    // With a failure of its own that began before payment's, checkout counts as a second consumer that failed.
    expect(causes(await base(true))[0]).toBe('config:c-old');
  });

  it('prefers a setting that governs the calls reported failing over a change of a callee that shows no failure of its own', async () => {
    // cart's timeout for its calls to redis sat for 15 hours; redis was deployed 6 hours ago. After a
    // surge, cart reported its calls to redis failing; redis itself showed nothing, or failed too.
    const base = (redisOwn: boolean) => {
      const s = new Scenario()
        .graph({ web: ['cart'], cart: ['redis'] }, { redis: 'cache' })
        .config('c-gov', 'cart', -15 * 60, { dependency: 'redis' })
        .deploy('d-redis', 'redis', -6 * 60)
        .alert('t1', 'web', 'traffic', -20)
        .alert('a1', 'cart', 'latency', -12, { dependency: 'redis' })
        .alert('a2', 'web', 'latency', -10);
      return (redisOwn ? s.alert('a0', 'redis', 'errors', -12) : s).incident('inc', ['web']).analyse();
    };
    const onlyReports = await base(false);
    expect(causes(onlyReports)[0]).toBe('config:c-gov');
    const deploy = onlyReports.candidates.find((c) => c.cause.id === 'd-redis');
    expect(deploy?.evidence.some((l) => l.startsWith("redis is seen failing only in cart's reports of calls to it, which setting c-gov governs"))).toBe(true);
    // redis's own alert shows it failing: the deploy is the likelier story again.
    const own = await base(true);
    expect(causes(own)[0]).toBe('deploy:d-redis');
    expect(own.candidates.flatMap((c) => c.evidence).some((l) => l.includes('is seen failing only in'))).toBe(false);
  });

  it('does not count a consumer of a shared setting that calls another consumer which failed just before it', async () => {
    // An old setting on front, shared with pay, and a newer one on pay alone; a surge, then pay
    // broke and, three minutes later, front, which calls pay (its alert names no dependency).
    const base = (frontCallsPay: boolean) =>
      new Scenario()
        .graph(frontCallsPay ? { web: ['front'], front: ['pay'] } : { web: ['front', 'pay'] })
        .config('c-old', 'front', -8 * 60, { key: 'pool.maxConnections', services: ['pay'] })
        .config('c-new', 'pay', -6 * 60)
        .alert('t1', 'web', 'traffic', -20)
        .alert('a1', 'pay', 'errors', -15)
        .alert('a2', 'front', 'latency', -12)
        .alert('a3', 'web', 'errors', -10)
        .incident('inc', ['web'])
        .analyse();
    expect(causes(await base(true))[0]).toBe('config:c-new');
    // Side by side, front's failure is its own: two consumers failed, and the shared setting explains both.
    expect(causes(await base(false))[0]).toBe('config:c-old');
  });
});
