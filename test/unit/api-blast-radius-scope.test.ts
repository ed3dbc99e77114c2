/** blastRadius' scope arguments over GraphQL: what it touched, and bad scopes refused by name. */
import { describe, expect, it } from 'vitest';
import type { CloudEventInput } from '../../schema/events.js';
import { day, openApi } from './api-harness.js';

const RADIUS = `query ($a: ActionInput!) { blastRadius(action: $a) { touched { service reason via from } services { service depth requestShare } } }`;

describe('blastRadius with a scope', () => {
  async function api() {
    const a = await openApi();
    a.clock('08:00');
    const svc = (service: string, kind?: 'cache' | 'database'): CloudEventInput => ({ specversion: '1.0', id: `s-${service}`, source: 't', type: 'service.upserted', time: day('07:00'), data: { service, ...(kind ? { kind } : {}) } });
    const dep = (from: string, to: string): CloudEventInput => ({ specversion: '1.0', id: `d-${from}-${to}`, source: 't', type: 'dependency.upserted', time: day('07:00'), data: { from, to } });
    await a.ingest([svc('web'), svc('api'), svc('cache', 'cache'), svc('db', 'database'), svc('jobs'), dep('web', 'api'), dep('api', 'cache'), dep('api', 'db'), dep('jobs', 'db')]);
    return a;
  }

  it('answers what the action touches, and reaches through it', async () => {
    const a = await api();
    const r = await a.query<{ blastRadius: { touched: object[]; services: { service: string }[] } }>(RADIUS, { a: { kind: 'CONFIG_CHANGE', service: 'api', dependency: 'cache' } });
    expect(r.errors).toBeUndefined();
    expect(r.data?.blastRadius.touched).toEqual([
      { service: 'api', reason: 'TARGET', via: null, from: null },
      { service: 'cache', reason: 'DEPENDENCY', via: null, from: null },
      { service: 'db', reason: 'CACHE_ASIDE', via: 'cache', from: null },
    ]);
    // jobs never calls api: it is reached through the database that takes the cache's misses.
    expect(r.data?.blastRadius.services.map((s) => s.service)).toEqual(['api', 'cache', 'db', 'jobs', 'web']);
  });

  it('refuses more than 100 services and a key on other kinds than CONFIG_CHANGE by the argument, and names a service that does not exist', async () => {
    const a = await api();
    const many = await a.query(RADIUS, { a: { kind: 'CONFIG_CHANGE', service: 'api', services: Array.from({ length: 101 }, (_, i) => `s${i}`) } });
    expect(many.errors?.[0]).toMatchObject({ message: 'Argument "action.services" names 101 services; at most 100', extensions: { code: 'BAD_USER_INPUT' } });
    const key = await a.query(RADIUS, { a: { kind: 'DEPLOY', service: 'api', key: 'pool' } });
    expect(key.errors?.[0]).toMatchObject({ message: 'Argument "action.key" names a setting, so it applies to CONFIG_CHANGE only, not DEPLOY', extensions: { code: 'BAD_USER_INPUT' } });
    const ghost = await a.query(RADIUS, { a: { kind: 'DEPLOY', service: 'api', dependency: 'ghost' } });
    expect(ghost.errors?.[0]).toMatchObject({ message: 'service "ghost" (dependency) does not exist at that time', extensions: { code: 'UNKNOWN_SERVICE' } });
  });
});
