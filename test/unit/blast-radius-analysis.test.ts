import { describe, expect, it } from 'vitest';
import { type ActionScope, blastRadius, entryTraffic, type BlastRadius } from '../../src/analysis/blast-radius.js';
import { createBlastRadiusReader } from '../../src/analysis/blast-radius-slice.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { ev, production, T0 } from './control-fixtures.js';

const HOUR = 3_600_000;
const later = { at: T0 + HOUR, knownAt: END_OF_TIME };

async function radius(service: string, extra: object[] = [], kind: 'DEPLOY' | 'CONFIG_CHANGE' | 'RESTART' = 'DEPLOY', at = later): Promise<BlastRadius> {
  const { store } = await production(extra);
  const r = await createBlastRadiusReader({ reader: store, now: () => T0 + HOUR }).compute({ kind, service }, at);
  if (!r.ok) throw new Error(r.message);
  return r.blastRadius;
}

describe('blast radius', () => {
  it('holds the target at depth 0 and every caller at its fewest hops, critical only over critical paths', async () => {
    const br = await radius('db');
    expect(br.services.map((s) => [s.service, s.depth, s.critical])).toEqual([
      ['db', 0, true],
      ['api', 1, true],
      ['cart', 1, false],
      ['batch', 2, false],
      ['mobile', 2, true],
      ['web', 2, true],
    ]);
    expect(br.services.some((s) => s.service === 'cache')).toBe(false);
  });

  it('counts only dependencies valid at the instant', async () => {
    const removed = ev('dependency.removed', T0 + 2 * HOUR, { from: 'api', to: 'db' });
    const before = await radius('db', [removed]);
    expect(before.services.map((s) => s.service)).toContain('api');
    const after = await radius('db', [removed], 'DEPLOY', { at: T0 + 3 * HOUR, knownAt: END_OF_TIME });
    expect(after.services.map((s) => s.service)).not.toContain('api');
    expect(after.services.find((s) => s.service === 'web')?.depth).toBe(2);
  });

  it('propagates entry traffic shares down the calls by rps', async () => {
    // web sends 100 rps (its busiest call); 40% of api's 150 rps inbound goes to db, as does 40% of
    // cart's 25; web also reaches db through cart: 0.4 + 0.2 x 0.4. Entries: web 100, mobile 50, batch 5.
    const br = await radius('db');
    expect(br.entryServices).toEqual(['batch', 'mobile', 'web']);
    expect(br.trafficShare).toBeCloseTo((100 * 0.48 + 50 * 0.4 + 5 * 0.4) / 155, 9);
    // Per service: db itself, 40% of api's and cart's requests, web's 0.4 + 0.2 x 0.4.
    const shares = Object.fromEntries(br.services.map((s) => [s.service, s.requestShare]));
    expect(shares.db).toBe(1);
    expect(shares.api).toBeCloseTo(0.4, 9);
    expect(shares.cart).toBeCloseTo(0.4, 9);
    expect(shares.web).toBeCloseTo(0.48, 9);
    expect((await radius('web')).trafficShare).toBeCloseTo(100 / 155, 9);
    expect((await radius('cache')).trafficShare).toBeCloseTo(150 / 155, 9);
  });

  it('names the zones crossed, the tier-1 services reached and the SLOs at risk', async () => {
    const br = await radius('db');
    expect(br.zones).toEqual(['app', 'data', 'edge', 'internal']);
    expect(br.zonesCrossed).toEqual(['app', 'edge', 'internal']);
    expect(br.tier1).toEqual(['db', 'api', 'web']);
    expect(br.slosAtRisk.map((s) => [s.service, s.fails])).toEqual([['api', true], ['db', true]]);
    expect(br.slosAtRisk.find((s) => s.service === 'api')?.errorBudgetMinutes).toBeCloseTo(43.2, 6);
    const cache = await radius('cache');
    expect(cache.slosAtRisk.map((s) => [s.service, s.fails])).toEqual([['api', false]]);
  });

  it('summarises similar deploys on the same service', async () => {
    const deploy = (id: string, at: number, status?: string) => [
      ev('deploy.started', at, { deploy: id, service: 'db', version: id }),
      ...(status ? [ev('deploy.finished', at + 60_000, { deploy: id, status })] : []),
    ];
    const br = await radius('db', [
      ...deploy('d1', T0 + 1000, 'succeeded'),
      ...deploy('d2', T0 + 2000, 'failed'),
      ...deploy('d3', T0 + 3000, 'rolled_back'),
      ...deploy('d4', T0 + 4000),
      ...deploy('other', T0 + 5000, 'failed').map((e) => ({ ...e, data: { ...(e as { data: object }).data, service: 'api' } })),
    ]);
    expect(br.history).toMatchObject({ count: 4, failures: 1, rollbacks: 1, failureRate: 1 / 3, rollbackRate: 1 / 3 });
    expect(br.history.recent[0]?.id).toBe('d4');
  });

  it('counts a config change undone later as rolled back, and one followed by an alert as failed', async () => {
    const br = await radius(
      'api',
      [
        ev('config.changed', T0 + 1000, { change: 'c1', service: 'api', key: 'pool', value: 5, previousValue: 10 }),
        ev('config.changed', T0 + 2000, { change: 'c2', service: 'api', key: 'pool', value: 10, previousValue: 5 }),
        ev('config.changed', T0 + 3000, { change: 'c3', service: 'api', key: 'timeout', value: 1, previousValue: 2 }),
        ev('alert.fired', T0 + 4000, { alert: 'a1', service: 'api', signal: 'errors' }),
      ],
      'CONFIG_CHANGE',
    );
    expect(br.history.recent.map((h) => [h.id, h.status])).toEqual([['c3', 'failed'], ['c2', 'failed'], ['c1', 'rolled_back']]);
  });

  it("reads a setting's own changes as the history of a change to it when its key is given", async () => {
    const { store } = await production([
      ev('config.changed', T0 + 1000, { change: 'c1', service: 'api', key: 'pool', value: 5, previousValue: 10 }),
      ev('config.changed', T0 + 2000, { change: 'c2', service: 'api', key: 'pool', value: 10, previousValue: 5 }),
      ev('config.changed', T0 + 3000, { change: 'c3', service: 'api', key: 'timeout', value: 1, previousValue: 2 }),
    ]);
    const r = await createBlastRadiusReader({ reader: store, now: () => T0 + HOUR }).compute({ kind: 'CONFIG_CHANGE', service: 'api', key: 'pool' }, later);
    if (!r.ok) throw new Error(r.message);
    expect(r.blastRadius.history).toMatchObject({ count: 2, rollbacks: 1, recent: [{ id: 'c2' }, { id: 'c1' }] });
  });

  it('says so when the target does not exist at the instant', () => {
    const r = blastRadius({ kind: 'RESTART', service: 'ghost' }, { target: null, touched: [], missing: [], reach: [], dependencies: [], entries: new Map(), history: [] });
    expect(r).toMatchObject({ ok: false, reason: 'unknown-service' });
  });

  it('treats services without callers, or in an edge zone, as entries', () => {
    const s = (id: string, zone: string | null) => ({ id, name: null, kind: null, team: null, tier: null, zone, slo: null, tags: [], since: 0 });
    const d = (from: string, to: string, rps: number | null) => ({ from, to, critical: true, rps, timeoutMs: null, protocol: null, since: 0 });
    const e = entryTraffic([s('lb', null), s('gw', 'edge'), s('x', null)], [d('lb', 'gw', 30), d('gw', 'x', null)]);
    expect([...e]).toEqual([['lb', 30], ['gw', 1]]);
  });
});

describe('blast radius of what an action says it touches', () => {
  const scoped = async (scope: ActionScope, extra: object[] = []) => {
    const { store } = await production(extra);
    return createBlastRadiusReader({ reader: store, now: () => T0 + HOUR }).compute(scope, later);
  };
  const ok = (r: Awaited<ReturnType<typeof scoped>>): BlastRadius => {
    if (!r.ok) throw new Error(r.message);
    return r.blastRadius;
  };
  // The fixture's cache and db restated with their kinds.
  const kinds = [
    ev('service.upserted', T0 + 1000, { service: 'cache', kind: 'cache', zone: 'data', tier: 3 }),
    ev('service.upserted', T0 + 1000, { service: 'db', kind: 'database', zone: 'data', tier: 1, slo: { objective: 0.9999, windowDays: 28 } }),
  ];

  it("counts a shared setting's other services as touched, with everything that calls them", async () => {
    const alone = ok(await scoped({ kind: 'CONFIG_CHANGE', service: 'cart' }));
    expect(alone.services.map((s) => s.service)).toEqual(['cart', 'batch', 'web']);
    const shared = ok(await scoped({ kind: 'CONFIG_CHANGE', service: 'cart', services: ['cache'] }));
    expect(shared.touched).toEqual([
      { service: 'cart', reason: 'target', via: null, from: null },
      { service: 'cache', reason: 'shared', via: null, from: null },
    ]);
    expect(shared.services.map((s) => [s.service, s.depth])).toEqual([['cart', 0], ['cache', 0], ['api', 1], ['batch', 1], ['web', 1], ['mobile', 2]]);
    // All of api's requests call cache, and every entry reaches api or cart.
    expect(alone.trafficShare).toBeCloseTo(25 / 155, 9);
    expect(shared.trafficShare).toBeCloseTo(1, 9);
  });

  it('counts the callee whose calls change, and when it is a cache, the databases its callers fall back on', async () => {
    const alone = ok(await scoped({ kind: 'CONFIG_CHANGE', service: 'api' }, kinds));
    expect(alone.services.map((s) => s.service)).toEqual(['api', 'mobile', 'web']);
    const ttl = ok(await scoped({ kind: 'CONFIG_CHANGE', service: 'api', dependency: 'cache' }, kinds));
    expect(ttl.touched).toEqual([
      { service: 'api', reason: 'target', via: null, from: null },
      { service: 'cache', reason: 'dependency', via: null, from: null },
      { service: 'db', reason: 'cache-aside', via: 'cache', from: null },
    ]);
    // db takes the misses: cart and batch, which never call api, are reached through it.
    expect(ttl.services.map((s) => [s.service, s.depth])).toEqual([['api', 0], ['cache', 0], ['db', 0], ['cart', 1], ['mobile', 1], ['web', 1], ['batch', 2]]);
    expect(ttl.slosAtRisk.map((s) => [s.service, s.fails])).toEqual([['api', true], ['db', true]]);
    expect(ttl.tier1).toEqual(['api', 'db', 'web']);
    // A callee that is not a cache is touched alone.
    const plain = ok(await scoped({ kind: 'CONFIG_CHANGE', service: 'api', dependency: 'cache' }));
    expect(plain.touched.map((t) => t.service)).toEqual(['api', 'cache']);
    expect(plain.services.map((s) => s.service)).not.toContain('cart');
  });

  it("takes a setting's scope from its latest change when the action names only its key", async () => {
    const ttl = [
      ...kinds,
      ev('config.changed', T0 + 2000, { change: 'c-old', service: 'api', key: 'cache.ttl', value: 600, services: ['cart'] }),
      ev('config.changed', T0 + 3000, { change: 'c-ttl', service: 'api', key: 'cache.ttl', value: 300, dependency: 'cache' }),
      ev('config.changed', T0 + 4000, { change: 'c-pool', service: 'api', key: 'pool', value: 5 }),
    ];
    const known = ok(await scoped({ kind: 'CONFIG_CHANGE', service: 'api', key: 'cache.ttl' }, ttl));
    expect(known.touched).toEqual([
      { service: 'api', reason: 'target', via: null, from: null },
      { service: 'cache', reason: 'dependency', via: null, from: 'c-ttl' },
      { service: 'db', reason: 'cache-aside', via: 'cache', from: 'c-ttl' },
    ]);
    // What the action states stands beside it, and a key whose changes never scoped it adds nothing.
    const both = ok(await scoped({ kind: 'CONFIG_CHANGE', service: 'api', key: 'cache.ttl', services: ['batch'] }, ttl));
    expect(both.touched.map((t) => [t.service, t.from])).toEqual([['api', null], ['batch', null], ['cache', 'c-ttl'], ['db', 'c-ttl']]);
    expect(ok(await scoped({ kind: 'CONFIG_CHANGE', service: 'api', key: 'pool' }, ttl)).touched.map((t) => t.service)).toEqual(['api']);
  });

  it('names every service the scope names that does not exist at the instant', async () => {
    const r = await scoped({ kind: 'DEPLOY', service: 'api', services: ['ghost'], dependency: 'phantom' });
    expect(r).toEqual({ ok: false, reason: 'unknown-service', message: 'services "ghost" (services), "phantom" (dependency) do not exist at that time' });
  });
});
