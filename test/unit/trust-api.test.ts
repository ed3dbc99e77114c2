/**
 * The postmortem workflow and the trust queries through GraphQL: verdicts become events in the
 * pipeline, authors are required, predictions are settled at resolution, and /metrics gauges.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createGraphQL } from '../../src/api/graphql.js';
import { silentLogger } from '../../src/logger.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { registerTrustMetrics } from '../../src/trust-store/metrics.js';
import { MINUTE } from '../../src/trust/durations.js';
import { postGraphQL } from './api-harness.js';
import { ev, openTrustApi, T0, type TrustApi } from './trust-harness.js';

const m = (minutes: number): number => (minutes * MINUTE) / (24 * 60 * MINUTE);

/** web -> api -> cache; a config change on api breaks it; an incident opens on web. */
async function world(api: TrustApi, day: number, change: string): Promise<void> {
  api.at(day + m(10));
  await api.ingest([
    ev(day - 1, 'service.upserted', { service: 'web' }),
    ev(day - 1, 'service.upserted', { service: 'api' }),
    ev(day - 1, 'service.upserted', { service: 'cache', kind: 'cache' }),
    ev(day - 1, 'dependency.upserted', { from: 'web', to: 'api' }),
    ev(day - 1, 'dependency.upserted', { from: 'api', to: 'cache' }),
    ev(day, 'config.changed', { change, service: 'api', key: 'cache.ttl', value: 0, previousValue: 60, dependency: 'cache' }, { actor: 'fixer', actortype: 'agent' }),
    ev(day + m(1), 'alert.fired', { alert: `${change}-a1`, service: 'api', signal: 'latency', severity: 'critical' }),
    ev(day + m(2), 'alert.fired', { alert: `${change}-a2`, service: 'web', signal: 'errors', severity: 'critical' }),
    ev(day + m(3), 'incident.opened', { incident: `inc-${change}`, services: ['web'] }),
  ]);
}

const ALICE = { id: 'alice', type: 'HUMAN' };

describe('postmortems through GraphQL', () => {
  it('confirms and rejects links as causal.* events through the pipeline, with the author and the note', async () => {
    const api = await openTrustApi();
    await world(api, 1, 'c1');
    const rule = (verdict: 'confirmCausalLink' | 'rejectCausalLink', cause: object, effect: object, note: string) =>
      api.query<Record<string, { __typename: string; verdict?: string; author?: string; note?: string }>>(
        `mutation($cause: EntityRefInput!, $effect: EntityRefInput!, $note: String, $author: AuthorInput) { ${verdict}(cause: $cause, effect: $effect, incident: "inc-c1", note: $note, author: $author) { __typename ... on CausalLink { verdict author note } } }`,
        { cause, effect, note, author: ALICE },
      );
    const yes = await rule('confirmCausalLink', { kind: 'CONFIG', id: 'c1' }, { kind: 'SERVICE', id: 'api' }, 'TTL 0 emptied the cache');
    expect(yes.data?.confirmCausalLink).toEqual({ __typename: 'CausalLink', verdict: 'CONFIRMED', author: 'alice', note: 'TTL 0 emptied the cache' });
    const no = await rule('rejectCausalLink', { kind: 'SERVICE', id: 'cache' }, { kind: 'SERVICE', id: 'api' }, 'cache was healthy');
    expect(no.data?.rejectCausalLink?.verdict).toBe('REJECTED');

    // They are facts of the graph, from events: the change log shows them with their author type.
    const changes = await api.store.changes(0, END_OF_TIME, END_OF_TIME);
    expect(changes.filter((c) => c.kind === 'causal').map((c) => [c.type, c.attrs.actor, c.attrs.actorType])).toEqual([
      ['causal.confirmed', 'alice', 'human'],
      ['causal.rejected', 'alice', 'human'],
    ]);
    const pm = await api.query<{ postmortem: { links: { verdict: string; note: string }[]; analysis: { candidates: { cause: { id: string } }[] } | null } }>(
      `{ postmortem(incident: "inc-c1") { ... on Postmortem { links { verdict note } analysis { candidates { cause { id } } } } } }`,
    );
    expect(pm.data?.postmortem.links.map((l) => l.verdict)).toEqual(['CONFIRMED', 'REJECTED']);
    expect(pm.data?.postmortem.analysis?.candidates.length).toBeGreaterThan(0);
  });

  it('refuses a verdict without an author where there are no tokens, naming the argument', async () => {
    const api = await openTrustApi();
    await world(api, 1, 'c1');
    const r = await api.query(`mutation { confirmCausalLink(cause: { kind: CONFIG, id: "c1" }, effect: { kind: SERVICE, id: "api" }) { __typename } }`);
    expect(r.errors?.[0]?.message).toBe('Argument "author" is required: this server has no API tokens to say who you are');
  });

  it('resolving an incident records ctxgraph’s analysis first, then scores it and the shadow predictions', async () => {
    const api = await openTrustApi();
    await world(api, 1, 'c1');
    api.at(1 + m(12));
    const shadow = await api.query<{ recordShadowPrediction: { __typename: string; mode?: string } }>(
      `mutation { recordShadowPrediction(incident: "inc-c1", candidates: [{ cause: { kind: SERVICE, id: "cache" }, service: "cache", confidence: 0.6 }, { cause: { kind: CONFIG, id: "c1" }, service: "api", confidence: 0.4 }], version: "m-1", author: { id: "fixer", type: AGENT }) { __typename ... on Prediction { mode } } }`,
    );
    expect(shadow.data?.recordShadowPrediction).toEqual({ __typename: 'Prediction', mode: 'SHADOW' });
    api.at(1 + m(40));
    const r = await api.query<{ resolveIncident: { incident: { open: boolean }; predictions: { author: string; mode: string; version: string; knownAt: string; outcome: { rank: number | null; correct: boolean } | null }[] } }>(
      `mutation { resolveIncident(incident: "inc-c1", rootCause: { kind: CONFIG, id: "c1" }, chain: [{ kind: CONFIG, id: "c1" }, { kind: SERVICE, id: "api" }, { kind: SERVICE, id: "web" }], author: { id: "alice", type: HUMAN }) {
        ... on Postmortem { incident { open } predictions { author mode version knownAt outcome { rank correct } } } } }`,
    );
    const pm = r.data!.resolveIncident;
    expect(pm.incident.open).toBe(false);
    const mine = pm.predictions.find((p) => p.author === 'ctxgraph');
    expect(mine?.mode).toBe('DECISION');
    expect(mine?.version).toMatch(/^root-cause@[0-9a-f]{8}$/);
    expect(mine?.outcome).not.toBeNull();
    expect(pm.predictions.find((p) => p.author === 'fixer')?.outcome).toEqual({ rank: 2, correct: false });

    // A prediction after the answer is hindsight: refused.
    const late = await api.query<{ recordShadowPrediction: { __typename: string; code?: string } }>(
      `mutation { recordShadowPrediction(incident: "inc-c1", candidates: [{ cause: { kind: CONFIG, id: "c1" }, service: "api", confidence: 0.9 }], version: "m-1", author: { id: "fixer", type: AGENT }) { __typename ... on TrustError { code } } }`,
    );
    expect(late.data?.recordShadowPrediction).toEqual({ __typename: 'TrustError', code: 'CONFLICT' });

    const cal = await api.query<{ calibration: { total: number; top3: number }; calibrationBy: { key: string }[] }>(
      `{ calibration(author: "fixer") { total top3 } calibrationBy(group: FAULT_CLASS) { key } }`,
    );
    expect(cal.data?.calibration).toEqual({ total: 1, top3: 1 });
    expect(cal.data?.calibrationBy.map((s) => s.key)).toEqual(['config']);
  });

  it('offers a past incident with the same confirmed chain, and what resolved it', async () => {
    const api = await openTrustApi();
    await world(api, 1, 'c1');
    api.at(1 + m(40));
    await api.query(`mutation { resolveIncident(incident: "inc-c1", chain: [{ kind: CONFIG, id: "c1" }, { kind: SERVICE, id: "api" }, { kind: SERVICE, id: "web" }], author: { id: "alice", type: HUMAN }) { __typename } }`);
    await world(api, 5, 'c2');
    api.at(5 + m(40));
    await api.query(`mutation { resolveIncident(incident: "inc-c2", chain: [{ kind: CONFIG, id: "c2" }, { kind: SERVICE, id: "api" }, { kind: SERVICE, id: "web" }], author: { id: "alice", type: HUMAN }) { __typename } }`);
    const r = await api.query<{ similarIncidents: { incident: { id: string }; reasons: string[]; rootCause: { id: string } }[] }>(`{ similarIncidents(incident: "inc-c2") { incident { id } reasons rootCause { id } } }`);
    expect(r.data?.similarIncidents.map((s) => s.incident.id)).toEqual(['inc-c1']);
    expect(r.data?.similarIncidents[0]?.rootCause.id).toBe('c1');
    expect(r.data?.similarIncidents[0]?.reasons[0]).toBe('same chain of services: api -> web');
  });

  it('says so when the server runs without the trust layer', async () => {
    const { store } = await EmbeddedStore.open({ dataDir: null });
    const yoga = createGraphQL({ reader: store, logger: silentLogger, now: () => T0 });
    const r = await postGraphQL<unknown>(yoga, `{ readiness(service: "api") { ready } }`);
    expect(r.errors?.[0]).toMatchObject({ message: 'the trust layer is not configured on this server', extensions: { code: 'TRUST_DISABLED' } });
  });
});

describe('trust metrics', () => {
  it('exports budgets, burn rates, alerts and rungs on the registry it is given', async () => {
    const api = await openTrustApi();
    await world(api, 1, 'c1');
    await api.trust.promote({ id: 'alice', type: 'human' }, 'fixer', 'api');
    const registry = new Registry();
    registerTrustMetrics(registry, api.trust);
    const text = await registry.metrics();
    expect(text).toMatch(/ctxgraph_error_budget_remaining_ratio\{kind="config",author_type="agent"\} 1/);
    expect(text).toMatch(/ctxgraph_error_budget_burn_rate\{kind="deploy",author_type="human",window="1h"\} 0/);
    expect(text).toMatch(/ctxgraph_error_budget_alert_firing\{kind="config",author_type="agent",rule="fast-1h",severity="page"\} 0/);
    expect(text).toMatch(/ctxgraph_trust_rung\{agent="fixer",service="api"\} 1/);
  });
});
