import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphReader } from '../../src/store/graph-store.js';
import { createEvents } from '../support/events.js';
import { type Api, day, openApi } from './api-harness.js';

interface Hood {
  neighbourhood: { center: string; services: { service: { id: string }; depth: number }[]; dependencies: { from: string; to: string }[] } | null;
}

const HOOD = `query($s: ID!, $depth: Int, $dir: Direction, $at: DateTime) {
  neighbourhood(service: $s, depth: $depth, direction: $dir, at: $at) {
    center services { service { id } depth } dependencies { from to }
  }
}`;

describe('neighbourhood', () => {
  let api: Api;
  const chain = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

  beforeAll(async () => {
    api = await openApi();
    const ev = createEvents();
    api.clock('10:00');
    await api.ingest([
      ...chain.map((s) => ev.serviceUpserted(day('09:00'), { service: s })),
      ...chain.slice(1).map((s, i) => ev.dependencyUpserted(day('09:00'), { from: chain[i]!, to: s })),
      ev.dependencyRemoved(day('09:30'), { from: 'd', to: 'e' }),
    ]);
  });

  const hood = async (s: string, depth: number | undefined, dir: string | undefined, at = '09:15') => {
    const r = await api.query<Hood>(HOOD, { s, at: day(at), ...(depth !== undefined ? { depth } : {}), ...(dir ? { dir } : {}) });
    expect(r.errors).toBeUndefined();
    return r.data!.neighbourhood;
  };
  const byDepth = (h: Hood['neighbourhood']) => h?.services.map((s) => `${s.service.id}:${s.depth}`);

  it('follows dependencies out, in or both ways to the depth asked, each service at its fewest hops', async () => {
    expect(byDepth(await hood('c', 1, 'OUT'))).toEqual(['c:0', 'd:1']);
    expect(byDepth(await hood('c', 1, 'IN'))).toEqual(['c:0', 'b:1']);
    expect(byDepth(await hood('c', undefined, undefined))).toEqual(['c:0', 'b:1', 'd:1', 'a:2', 'e:2']);
    expect(byDepth(await hood('a', 6, 'OUT'))).toEqual(['a:0', 'b:1', 'c:2', 'd:3', 'e:4', 'f:5', 'g:6']);
    expect((await hood('c', 1, 'BOTH'))?.dependencies.map((d) => `${d.from}->${d.to}`).sort()).toEqual(['b->c', 'c->d']);
  });

  it('uses the dependencies valid at the instant', async () => {
    expect(byDepth(await hood('c', 3, 'OUT', '10:00'))).toEqual(['c:0', 'd:1']);
  });

  it('is null for a service that does not exist then', async () => {
    expect(await hood('c', 2, 'OUT', '08:00')).toBeNull();
  });

  it.each([0, 7, -1])('refuses depth %i with BAD_USER_INPUT naming the argument', async (depth) => {
    const r = await api.query(HOOD, { s: 'c', depth });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toBe(`Argument "depth" must be between 1 and 6, got ${depth}`);
  });
});

interface Changes {
  changes: { at: string; recordedAt: string; type: string; kind: string; entity: string; ref: { kind: string; id: string } | null; services: string[]; summary: string; eventId: string }[];
}

const CHANGES = `query($from: DateTime!, $to: DateTime!, $service: ID, $knownAt: DateTime) {
  changes(from: $from, to: $to, service: $service, knownAt: $knownAt) { at recordedAt type kind entity ref { kind id } services summary eventId }
}`;

describe('changes', () => {
  let api: Api;

  beforeAll(async () => {
    api = await openApi();
    const ev = createEvents({ source: 'ci' });
    api.clock('09:00');
    await api.ingest([
      ev.serviceUpserted(day('09:00'), { service: 'cart', tier: 1 }),
      ev.serviceUpserted(day('09:00'), { service: 'db' }),
      ev.dependencyUpserted(day('09:00'), { from: 'cart', to: 'db', rps: 40 }),
    ]);
    api.clock('12:00');
    // Delivered out of order: the API answers in valid-time order.
    await api.ingest([
      ev.deployFinished(day('10:20'), { deploy: 'd-12', status: 'rolled_back' }),
      ev.alertFired(day('10:10'), { alert: 'a-1', service: 'cart', signal: 'latency', severity: 'critical', summary: 'p99 above 2s' }),
      ev.deployStarted(day('10:00'), { deploy: 'd-12', service: 'cart', version: 'v1.4.2', previousVersion: 'v1.4.1' }),
      ev.configChanged(day('10:05'), { change: 'c-7', service: 'db', key: 'max_connections', value: 50, previousValue: 200 }),
    ]);
    api.clock('13:00');
    await api.ingest([ev.incidentOpened(day('10:15'), { incident: 'i-1', services: ['cart'], title: 'checkout slow' })]);
  });

  const changes = async (vars: Record<string, unknown>) => {
    const r = await api.query<Changes>(CHANGES, vars);
    expect(r.errors).toBeUndefined();
    return r.data!.changes;
  };

  it('lists every change in the window oldest first, with a one-line summary', async () => {
    const c = await changes({ from: day('09:30'), to: day('11:00') });
    expect(c.map((x) => [x.at, x.type, x.summary])).toEqual([
      [day('10:00'), 'deploy.started', 'deploy d-12 of cart: v1.4.2 (from v1.4.1)'],
      [day('10:05'), 'config.changed', 'config change c-7 on db: max_connections = 50 (was 200)'],
      [day('10:10'), 'alert.fired', 'alert a-1 fired on cart: latency (critical) - p99 above 2s'],
      [day('10:15'), 'incident.opened', 'incident i-1 opened: checkout slow (cart)'],
      [day('10:20'), 'deploy.finished', 'deploy d-12 of cart rolled back'],
    ]);
    expect(c[0]).toMatchObject({ recordedAt: day('12:00'), kind: 'DEPLOY', entity: 'd-12', ref: { kind: 'DEPLOY', id: 'd-12' }, services: ['cart'] });
  });

  it('includes both ends of the window and names dependencies readably', async () => {
    const c = await changes({ from: day('09:00'), to: day('09:00') });
    expect(c.map((x) => x.summary)).toEqual(['service cart upserted (tier 1)', 'service db upserted', 'dependency cart -> db upserted (rps 40)']);
    expect(c[2]).toMatchObject({ kind: 'DEPENDENCY', entity: 'cart->db', ref: null, services: ['cart', 'db'] });
  });

  it('keeps only changes touching a service when one is given', async () => {
    const c = await changes({ from: day('09:30'), to: day('11:00'), service: 'db' });
    expect(c.map((x) => x.eventId)).toEqual([expect.any(String)]);
    expect(c.map((x) => x.type)).toEqual(['config.changed']);
  });

  it('counts only what was recorded by knownAt', async () => {
    const c = await changes({ from: day('09:30'), to: day('11:00'), knownAt: day('12:30') });
    expect(c.map((x) => x.type)).not.toContain('incident.opened');
    expect(c).toHaveLength(4);
  });

  it('refuses from after to, naming the arguments', async () => {
    const r = await api.query(CHANGES, { from: day('11:00'), to: day('10:00') });
    expect(r.data).toBeNull();
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/^Argument "from" must not be after "to"/);
  });
});

describe('bad arguments and unexpected errors', () => {
  it('names the argument of a DateTime literal that is not RFC 3339', async () => {
    const api = await openApi();
    const r = await api.query('{ graphAt(at: "yesterday") { services { id } } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toContain('Argument "at" of graphAt is not a valid DateTime');
    expect(r.errors?.[0]?.message).toContain('"yesterday"');
    // Twice: the answer must not change when the validation result is cached.
    const again = await api.query('{ graphAt(at: "yesterday") { services { id } } }');
    expect(again.errors?.[0]?.message).toBe(r.errors?.[0]?.message);
  });

  it('refuses a timestamp without an offset, and names the variable when one was used', async () => {
    const api = await openApi();
    const r = await api.query('query($k: DateTime) { service(id: "x", knownAt: $k) { id } }', { k: '2026-05-01T10:00:00' });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/^Variable "\$k" got invalid value "2026-05-01T10:00:00"; DateTime must be an RFC 3339 timestamp with an offset/);
  });

  it('masks an unexpected failure of the store', async () => {
    const failing = { graphAt: () => Promise.reject(new Error('connection to bolt://secret-host refused')) } as unknown as GraphReader;
    const api = await openApi(failing);
    const r = await api.query(`{ graphAt(at: "${day('10:00')}") { services { id } } }`);
    expect(r.errors?.[0]?.message).toBe('Unexpected error.');
    expect(JSON.stringify(r)).not.toContain('secret-host');
  });
});
