/**
 * End to end, through GraphQL and the ingest pipeline: an agent climbs the trust ladder on a
 * service through shadow predictions; its changes start failing and burn its error budget; it is
 * demoted; its next write is refused, with the reason.
 */
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGraphQL } from '../../src/api/graphql.js';
import { createAuditLog, createMemoryAuditSink, GENESIS_HASH, verifyAudit } from '../../src/control/audit.js';
import { createControlService } from '../../src/control/control-service.js';
import { createAuthenticator } from '../../src/control/identities.js';
import { createMemorySharedState } from '../../src/control/shared-state/memory.js';
import { silentLogger } from '../../src/logger.js';
import { DAY, HOUR, MINUTE } from '../../src/trust/durations.js';
import { DEFAULT_TRUST_POLICY, type TrustPolicy } from '../../src/trust-store/trust-service.js';
import { fixedPolicy } from '../unit/control-harness.js';
import { ev, openTrustApi, T0, type TrustApi } from '../unit/trust-harness.js';

const policy: TrustPolicy = {
  ...DEFAULT_TRUST_POLICY,
  budget: { objective: 0.95, windowMs: 30 * DAY },
  ladder: { shadow: { minCorrect: 5, minAccuracy: 0.8, minPeriodMs: 30 * DAY }, supervised: { minSucceeded: 3, minPeriodMs: 7 * DAY }, autoPromote: false },
};
const ALICE = { id: 'alice', type: 'HUMAN' };
const AGENT = { actor: 'fixer', actortype: 'agent' as const, actormodel: 'm-1' };
const m = (minutes: number): number => (minutes * MINUTE) / DAY;

const PROMOTE = `mutation($agent: ID!, $service: ID!, $author: AuthorInput) {
  promoteAgent(agent: $agent, service: $service, author: $author) {
    __typename
    ... on TrustLadder { rung }
    ... on TrustError { code message checks { check met reason } }
  }
}`;
const VERDICT = `query { trustVerdict(agent: "fixer", service: "api") { outcome message autonomous } }`;

interface Promoted {
  promoteAgent: { __typename: string; rung?: string; code?: string; message?: string; checks?: { check: string; met: boolean; reason: string }[] };
}

async function promote(api: TrustApi): Promise<Promoted['promoteAgent']> {
  const r = await api.query<Promoted>(PROMOTE, { agent: 'fixer', service: 'api', author: ALICE });
  expect(r.errors).toBeUndefined();
  return r.data!.promoteAgent;
}

async function verdict(api: TrustApi): Promise<{ outcome: string; message: string; autonomous: boolean }> {
  const r = await api.query<{ trustVerdict: { outcome: string; message: string; autonomous: boolean } }>(VERDICT);
  expect(r.errors).toBeUndefined();
  return r.data!.trustVerdict;
}

/** A human deploy breaks api, an incident opens, the agent predicts in shadow, a person resolves it. */
async function incidentWithShadowPrediction(api: TrustApi, day: number, agentRight: boolean): Promise<void> {
  const deploy = `d-${day}`;
  api.at(day + m(5));
  await api.ingest([
    ev(day, 'deploy.started', { deploy, service: 'api', version: `v${day}` }, { actor: 'bob', actortype: 'human' }),
    ev(day + m(1), 'deploy.finished', { deploy, status: 'succeeded' }),
    ev(day + m(2), 'alert.fired', { alert: `a-${day}`, service: 'api', signal: 'errors', severity: 'critical' }),
    ev(day + m(3), 'incident.opened', { incident: `inc-${day}`, services: ['api'] }),
  ]);
  const guess = agentRight ? { kind: 'DEPLOY', id: deploy } : { kind: 'SERVICE', id: 'db' };
  const p = await api.query<{ recordShadowPrediction: { __typename: string } }>(
    `mutation($incident: ID!, $cause: EntityRefInput!) {
      recordShadowPrediction(incident: $incident, candidates: [{ cause: $cause, service: "api", confidence: 0.8 }], evidence: ["error spike after deploy"], version: "m-1", author: { id: "fixer", type: AGENT }) { __typename }
    }`,
    { incident: `inc-${day}`, cause: guess },
  );
  expect(p.data?.recordShadowPrediction.__typename).toBe('Prediction');
  api.at(day + m(30));
  const r = await api.query<{ resolveIncident: { __typename: string } }>(
    `mutation($incident: ID!, $deploy: ID!) { resolveIncident(incident: $incident, rootCause: { kind: DEPLOY, id: $deploy }, chain: [{ kind: DEPLOY, id: $deploy }, { kind: SERVICE, id: "api" }], author: { id: "alice", type: HUMAN }) { __typename } }`,
    { incident: `inc-${day}`, deploy },
  );
  expect(r.data?.resolveIncident.__typename).toBe('Postmortem');
}

const FIXER_TOKEN = 'tok-agent-fixer-0123456789';

/**
 * The control layer on the same store, clock and trust service, behind GraphQL with the agent's
 * token: what `proposeAction` answers once the ladder has a say.
 */
function controlOver(api: TrustApi, now: number) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const sink = createMemoryAuditSink();
  const verify = () => verifyAudit(sink.lines, sink.head, publicKey);
  const service = createControlService({
    reader: api.store,
    state: createMemorySharedState(),
    audit: createAuditLog({ key: privateKey, sink, start: { seq: 0, hash: GENESIS_HASH }, now: () => now }),
    policy: fixedPolicy({}),
    verifyAudit: () => Promise.resolve(verify()),
    logger: silentLogger,
    now: () => now,
    trust: api.trust,
  });
  const authenticator = createAuthenticator([{ token: FIXER_TOKEN, id: 'fixer', role: 'agent', model: 'm-1' }]);
  const yoga = createGraphQL({ reader: api.store, logger: silentLogger, now: () => now, control: { service, authenticator, anonymousRead: false }, trust: { service: api.trust } });
  return {
    service,
    sink,
    async propose(input: object) {
      const res = await yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${FIXER_TOKEN}` },
        body: JSON.stringify({
          query: `mutation ($input: ProposeActionInput!) { proposeAction(input: $input) { __typename ... on ActionDecision { verdict reasons { primitive outcome message } } ... on ControlError { code message } } }`,
          variables: { input },
        }),
      });
      return (await res.json()) as { data?: { proposeAction: { __typename: string; verdict?: string; reasons?: { primitive: string; outcome: string; message: string }[] } } };
    },
  };
}

async function agentDeploy(api: TrustApi, day: number, id: string, status: 'succeeded' | 'failed'): Promise<void> {
  api.at(day + m(2));
  await api.ingest([ev(day, 'deploy.started', { deploy: id, service: 'api', version: id }, AGENT), ev(day + m(1), 'deploy.finished', { deploy: id, status })]);
}

describe('the trust ladder, end to end', () => {
  let api: TrustApi;
  beforeAll(async () => {
    api = await openTrustApi(policy);
    await api.ingest([
      ev(0, 'service.upserted', { service: 'api', tier: 1, slo: { objective: 0.999, windowDays: 30 }, tags: ['error-budget-policy=https://wiki.example/ebp/api', 'rollback=automated', 'toil=measured'] }),
      ev(0, 'service.upserted', { service: 'web', tier: 1 }),
      ev(0, 'service.upserted', { service: 'db', kind: 'database' }),
      ev(0, 'dependency.upserted', { from: 'web', to: 'api', rps: 100 }),
      ev(0, 'dependency.upserted', { from: 'api', to: 'db', rps: 50 }),
    ]);
  });

  it('starts read-only, and a person enrols it in shadow mode', async () => {
    api.at(0.5);
    expect((await verdict(api)).outcome).toBe('DENY');
    expect(await promote(api)).toMatchObject({ __typename: 'TrustLadder', rung: 'SHADOW' });
  });

  it('earns evidence through shadow predictions, but must shadow for the minimum period', async () => {
    for (let day = 1; day <= 6; day++) await incidentWithShadowPrediction(api, day, day !== 4);
    api.at(10);
    // The deploys people confirmed as causes count against humans' deploy SLI, not the agent's.
    const budgets = await api.query<{ errorBudgets: { kind: string; authorType: string; total: number; bad: number }[] }>(`{ errorBudgets(service: "api") { kind authorType total bad } }`);
    expect(budgets.data?.errorBudgets.filter((b) => b.kind === 'DEPLOY')).toEqual([
      { kind: 'DEPLOY', authorType: 'AGENT', total: 0, bad: 0 },
      { kind: 'DEPLOY', authorType: 'HUMAN', total: 6, bad: 6 },
    ]);
    const refused = await promote(api);
    expect(refused).toMatchObject({ __typename: 'TrustError', code: 'REFUSED' });
    expect(refused.message).toMatch(/fixer stays on shadow for api: in shadow for 9\.5 days \(needs 30\.0 days\)/);
    expect(refused.checks?.filter((c) => c.met).map((c) => c.reason)).toEqual([
      '5 correct shadow predictions (needs 5)',
      '83% of 6 settled shadow predictions right (needs 80%)',
      expect.stringMatching(/^error budget healthy/),
    ]);
  });

  it('is promoted to supervised write after 30 days of shadowing, and its writes need approval', async () => {
    api.at(31);
    expect(await promote(api)).toMatchObject({ __typename: 'TrustLadder', rung: 'SUPERVISED_WRITE' });
    expect(await verdict(api)).toMatchObject({ outcome: 'REQUIRE_APPROVAL', autonomous: false });
  });

  it('becomes autonomous after successful supervised changes on a service that passes its readiness gate', async () => {
    for (const day of [32, 33, 35, 37]) await agentDeploy(api, day, `agent-ok-${day}`, 'succeeded');
    api.at(39);
    const ready = await api.query<{ readiness: { ready: boolean; conditions: { condition: string; met: boolean }[] } }>(`{ readiness(service: "api") { ready conditions { condition met } } }`);
    expect(ready.data?.readiness.conditions.filter((c) => !c.met)).toEqual([]);
    expect(await promote(api)).toMatchObject({ __typename: 'TrustLadder', rung: 'AUTONOMOUS' });
    expect(await verdict(api)).toMatchObject({ outcome: 'ALLOW', autonomous: true });
  });

  it('burns its budget when its changes start failing: the fast-burn alert fires', async () => {
    for (const [i, minutes] of [10, 25, 40].entries()) {
      api.at(40 + m(minutes));
      await api.ingest([
        ev(40 + m(minutes - 2), 'deploy.started', { deploy: `agent-bad-${i}`, service: 'api', version: `bad-${i}` }, AGENT),
        ev(40 + m(minutes - 1), 'deploy.finished', { deploy: `agent-bad-${i}`, status: 'failed' }),
      ]);
    }
    const r = await api.query<{ errorBudgets: { kind: string; authorType: string; total: number; bad: number; exhausted: boolean; alerts: { rule: string; firing: boolean }[] }[] }>(
      `{ errorBudgets(service: "api") { kind authorType total bad exhausted alerts { rule firing } } }`,
    );
    const agentDeploys = r.data?.errorBudgets.find((b) => b.kind === 'DEPLOY' && b.authorType === 'AGENT');
    expect(agentDeploys).toMatchObject({ total: 7, bad: 3, exhausted: true });
    expect(agentDeploys?.alerts.filter((a) => a.firing).map((a) => a.rule)).toContain('fast-1h');
  });

  it('is demoted automatically, and the demotion is audited', async () => {
    const r = await api.query<{ trustLadder: { rung: string; transitions: { direction: string; from: string; to: string; by: string; reason: string }[] } }>(
      `{ trustLadder(agent: "fixer", service: "api") { rung transitions { direction from to by reason } } }`,
    );
    expect(r.data?.trustLadder.rung).toBe('SHADOW');
    expect(r.data?.trustLadder.transitions.map((t) => `${t.direction} ${t.from}->${t.to} by ${t.by}`)).toEqual([
      'PROMOTION READ_ONLY->SHADOW by alice',
      'PROMOTION SHADOW->SUPERVISED_WRITE by alice',
      'PROMOTION SUPERVISED_WRITE->AUTONOMOUS by alice',
      'DEMOTION AUTONOMOUS->SHADOW by ctxgraph',
    ]);
    expect(r.data?.trustLadder.transitions.at(-1)?.reason).toMatch(/error budget exhausted: 3 of 7 changes failed/);
    expect(api.audited.map((t) => t.direction)).toEqual(['promotion', 'promotion', 'promotion', 'demotion']);
  });

  it('has its next write refused, with the reason', async () => {
    api.at(40 + HOUR / DAY);
    const v = await verdict(api);
    expect(v.outcome).toBe('DENY');
    expect(v.message).toMatch(/^fixer is on rung shadow for api: it may not write there \(demoted from autonomous at .*: error budget exhausted: 3 of 7 changes failed/);
    // proposeAction itself refuses the write, even with a live grant, and says why.
    const control = controlOver(api, T0 + 40 * DAY + HOUR);
    const granted = await control.service.grant({ id: 'alice', role: 'human', model: null, scope: null }, { agent: 'fixer', services: ['api'], kinds: ['DEPLOY'], ttlSeconds: 3600 });
    expect(granted.ok).toBe(true);
    const r = await control.propose({ kind: 'DEPLOY', service: 'api', parameters: { version: 'next' }, rolloutPercent: 5, justification: 'retry the fix', evidence: ['inc-6'], model: 'm-1' });
    const decision = r.data?.proposeAction;
    expect(decision).toMatchObject({ __typename: 'ActionDecision', verdict: 'DENY' });
    expect(decision?.reasons?.filter((l) => l.outcome === 'DENY')).toEqual([{ primitive: 'TRUST', outcome: 'DENY', message: v.message }]);
    expect(decision?.reasons?.slice(0, 4).map((l) => `${l.primitive} ${l.outcome}`)).toEqual(['IDENTITY ALLOW', 'KILL_SWITCH ALLOW', 'TRUST DENY', 'GRANT ALLOW']);
    // The refusal and its reason are in the signed audit.
    const decided = control.sink.lines.map((l) => JSON.parse(l) as { type: string; data: { verdict?: string; reasons?: { primitive: string; message: string }[] } }).find((e) => e.type === 'action.decided');
    expect(decided?.data).toMatchObject({ verdict: 'DENY', reasons: expect.arrayContaining([{ primitive: 'trust', outcome: 'DENY', message: v.message }]) as unknown });
    // And it cannot climb straight back: the burnt budget blocks promotion too.
    const again = await promote(api);
    expect(again.__typename).toBe('TrustError');
    expect(again.message).toMatch(/error budget exhausted/);
  });
});
