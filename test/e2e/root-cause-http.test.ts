/**
 * End to end over HTTP: a scenario goes in through POST /v1/events, and `rootCause` over /graphql
 * names the cause, the chain from it to the symptom, and evidence with times.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/api/server.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';

const T = Date.parse('2026-04-10T12:00:00Z');
const at = (min: number): string => new Date(T + min * 60_000).toISOString();
const DAY_MIN = 1440;

/**
 * web -> api -> db and web -> search. A deploy breaks api; search gets an innocent deploy nearer the
 * incident, and api's pool is resized after both failed. Apart from them, batch -> ledger: a pool setting on ledger nine days back, and ledger
 * failing now (for the lookback window).
 */
function scenario() {
  const ev = createEvents({ source: 'e2e' });
  const graph = { web: ['api', 'search'], api: ['db'] };
  return [
    ...['web', 'api', 'search', 'db'].map((s) => ev.serviceUpserted(at(-2880), { service: s, ...(s === 'db' ? { kind: 'database' as const } : {}) })),
    ...Object.entries(graph).flatMap(([from, tos]) => tos.map((to) => ev.dependencyUpserted(at(-2880), { from, to }))),
    ev.deployStarted(at(-20), { deploy: 'd-api-7', service: 'api', version: 'v7', previousVersion: 'v6' }),
    ev.deployFinished(at(-17), { deploy: 'd-api-7', status: 'succeeded' }),
    ev.deployStarted(at(-8), { deploy: 'd-search-3', service: 'search', version: 'v3', previousVersion: 'v2' }),
    ev.alertFired(at(-15), { alert: 'a-api-err', service: 'api', signal: 'errors', severity: 'critical' }),
    ev.alertFired(at(-12), { alert: 'a-web-err', service: 'web', signal: 'errors', severity: 'critical', dependency: 'api' }),
    ev.configChanged(at(-3), { change: 'c-api-pool', service: 'api', key: 'pool.size', value: 40 }),
    ev.incidentOpened(at(0), { incident: 'inc-42', services: ['web'], title: 'checkout failing' }),
    ...['batch', 'ledger'].map((s) => ev.serviceUpserted(at(-20 * DAY_MIN), { service: s })),
    ev.dependencyUpserted(at(-20 * DAY_MIN), { from: 'batch', to: 'ledger' }),
    ev.configChanged(at(-9 * DAY_MIN), { change: 'c-ledger-pool', service: 'ledger', key: 'pool.size', value: 2 }),
    ev.alertFired(at(-10), { alert: 'a-ledger-lat', service: 'ledger', signal: 'latency', severity: 'critical' }),
    ev.alertFired(at(-9), { alert: 'a-batch-err', service: 'batch', signal: 'errors', severity: 'critical', dependency: 'ledger' }),
  ];
}

const QUERY = `query ($incident: ID, $services: [ID!], $at: DateTime, $limit: Int, $lookbackHours: Int) {
  rootCause(incident: $incident, services: $services, at: $at, limit: $limit, lookbackHours: $lookbackHours) {
    incident adHoc at symptomStart lookbackFrom
    candidates { rank cause { kind id } service confidence chain { kind id } evidence hops { cause { kind id } effect { kind id } evidence } remedy { kind service parameters why } }
    ruledOut { cause { kind id } reason }
    failing { service since signals reportedBy }
  }
}`;

interface Answer {
  data?: {
    rootCause: {
      incident: string;
      adHoc: boolean;
      at: string;
      symptomStart: string;
      lookbackFrom: string;
      ruledOut: { cause: { kind: string; id: string }; reason: string }[];
      failing: { service: string; since: string; signals: string[]; reportedBy: string[] }[];
      candidates: {
        rank: number;
        cause: { kind: string; id: string };
        service: string;
        confidence: number;
        chain: { kind: string; id: string }[];
        evidence: string[];
        hops: { cause: { kind: string; id: string }; effect: { kind: string; id: string }; evidence: string[] }[];
        remedy: { kind: string; service: string; parameters: Record<string, unknown>; why: string } | null;
      }[];
    };
  } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

describe('rootCause over HTTP', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const { store } = await EmbeddedStore.open({ dataDir: null });
    const metrics = createMetrics(store, { processMetrics: false });
    const pipeline = createPipeline({ store, observer: metrics.observer('http') });
    server = createHttpServer({ store, pipeline, metrics, ready: () => true, logger: silentLogger });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify(scenario()) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: scenario().length, duplicates: 0 });
  });

  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  const ask = async (variables: Record<string, unknown>): Promise<Answer> => {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY, variables }) });
    return (await res.json()) as Answer;
  };

  it('names the deploy, with the chain from it to the symptom service and timed evidence', async () => {
    const r = await ask({ incident: 'inc-42' });
    expect(r.errors).toBeUndefined();
    const a = r.data?.rootCause;
    expect(a?.incident).toBe('inc-42');
    expect(a?.adHoc).toBe(false);
    expect(a?.symptomStart).toBe(at(-12));
    // What the candidates had to explain: api failing first, then web, which reported api's calls failing.
    expect(a?.failing).toEqual([
      { service: 'api', since: at(-15), signals: ['errors'], reportedBy: ['web'] },
      { service: 'web', since: at(-12), signals: ['errors'], reportedBy: [] },
    ]);
    const top = a?.candidates[0];
    expect(top?.rank).toBe(1);
    expect(top?.cause).toEqual({ kind: 'DEPLOY', id: 'd-api-7' });
    expect(top?.service).toBe('api');
    expect(top?.chain).toEqual([
      { kind: 'DEPLOY', id: 'd-api-7' },
      { kind: 'SERVICE', id: 'api' },
      { kind: 'SERVICE', id: 'web' },
    ]);
    expect(top?.evidence).toContain(`deploy d-api-7 of api (v6 -> v7) started at ${at(-20)}, succeeded at ${at(-17)}`);
    expect(top?.evidence).toContain(`api began failing at ${at(-15)} (errors alert a-api-err), 5 min after the change`);
    expect(top?.evidence).toContain(`web reported failing calls to api from ${at(-12)}`);
    expect(top?.evidence).toContain(`dependency path valid at ${at(0)}: web -> api`);
    // The same facts, hop by hop: the deploy taking effect on api, then api's failure climbing to web.
    expect(top?.hops.map((h) => [h.cause.id, h.effect.id])).toEqual([
      ['d-api-7', 'api'],
      ['api', 'web'],
    ]);
    expect(top?.hops[0]?.evidence).toContain(`api began failing at ${at(-15)} (errors alert a-api-err), 5 min after the change`);
    expect(top?.hops[1]?.evidence).toEqual([`dependency path valid at ${at(0)}: web -> api`, `web began failing at ${at(-12)}, after api at ${at(-15)}`, `web reported failing calls to api from ${at(-12)}`]);
    // What to do about it, in the fields proposeAction takes.
    expect(top?.remedy).toEqual({ kind: 'ROLLBACK', service: 'api', parameters: { deploy: 'd-api-7', toVersion: 'v6' }, why: 'roll back deploy d-api-7 (v7) to v6' });
    // The later deploy on a healthy service ranks below, and confidences are ordered with the ranks.
    const ids = a?.candidates.map((c) => c.cause.id) ?? [];
    expect(ids).not.toContain('d-search-3');
    // It began after web's first failure, and the answer says so rather than dropping it silently.
    expect(a?.ruledOut).toContainEqual({
      cause: { kind: 'DEPLOY', id: 'd-search-3' },
      reason: `deploy d-search-3 of search at ${at(-8)} came after the first symptom began at ${at(-12)}: an effect cannot come before its cause`,
    });
    const conf = a?.candidates.map((c) => c.confidence) ?? [];
    expect(conf).toEqual([...conf].sort((x, y) => y - x));
    expect(conf.every((c) => c >= 0 && c <= 1)).toBe(true);
  });

  it('answers the same question ad hoc, from symptom services and an instant', async () => {
    const r = await ask({ services: ['web'], at: at(0), limit: 2 });
    expect(r.errors).toBeUndefined();
    const a = r.data?.rootCause;
    expect(a?.adHoc).toBe(true);
    expect(a?.incident).toBe(`ad-hoc:web@${at(0)}`);
    expect(a?.candidates.length).toBeLessThanOrEqual(2);
    expect(a?.candidates[0]?.cause).toEqual({ kind: 'DEPLOY', id: 'd-api-7' });
  });

  it('says which argument is missing when neither an incident nor services is given', async () => {
    const r = await ask({});
    expect(r.data).toBeNull();
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/"incident" or "services" is required/);
  });

  it('says the incident is unknown rather than answering nothing', async () => {
    const r = await ask({ incident: 'inc-nope' });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toContain('names no incident known to ctxgraph: "inc-nope"');
  });

  it('reaches a change nine days back only when the lookback window is widened to it', async () => {
    const week = await ask({ services: ['batch'], at: at(0) });
    expect(week.errors).toBeUndefined();
    expect(week.data?.rootCause.lookbackFrom).toBe(at(-7 * DAY_MIN));
    expect(week.data?.rootCause.candidates.map((c) => c.cause.id)).not.toContain('c-ledger-pool');
    const tenDays = await ask({ services: ['batch'], at: at(0), lookbackHours: 240 });
    expect(tenDays.errors).toBeUndefined();
    expect(tenDays.data?.rootCause.lookbackFrom).toBe(at(-10 * DAY_MIN));
    const pool = tenDays.data?.rootCause.candidates.find((c) => c.cause.id === 'c-ledger-pool');
    expect(pool?.chain).toEqual([
      { kind: 'CONFIG', id: 'c-ledger-pool' },
      { kind: 'SERVICE', id: 'ledger' },
      { kind: 'SERVICE', id: 'batch' },
    ]);
  });

  it('lists the latest ruled-out changes up to a limit, and says how many there are', async () => {
    const q = `{ rootCause(incident: "inc-42") { ruledOutCount first: ruledOut(limit: 1) { cause { id } } all: ruledOut(limit: 500) { cause { id } } } }`;
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: q }) });
    const r = (await res.json()) as { data?: { rootCause: { ruledOutCount: number; first: { cause: { id: string } }[]; all: { cause: { id: string } }[] } } };
    expect(r.data?.rootCause.all).toEqual([{ cause: { id: 'c-api-pool' } }, { cause: { id: 'd-search-3' } }]);
    expect(r.data?.rootCause.first).toEqual([{ cause: { id: 'c-api-pool' } }]);
    expect(r.data?.rootCause.ruledOutCount).toBe(2);
    const bad = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ rootCause(incident: "inc-42") { ruledOut(limit: 0) { reason } } }` }) });
    const b = (await bad.json()) as Answer;
    expect(b.errors?.[0]?.message).toBe('Argument "limit" of ruledOut must be between 1 and 500, got 0');
  });

  it('rejects a lookback window out of range, saying the range', async () => {
    for (const lookbackHours of [0, 2161]) {
      const r = await ask({ incident: 'inc-42', lookbackHours });
      expect(r.data).toBeNull();
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.message).toBe(`Argument "lookbackHours" must be between 1 and 2160 (90 days), got ${lookbackHours}`);
    }
  });

  it('rejects a limit out of range', async () => {
    const r = await ask({ incident: 'inc-42', limit: 0 });
    expect(r.errors?.[0]?.message).toBe('Argument "limit" must be between 1 and 50, got 0');
  });
});
