/**
 * End to end over HTTP: an agent session against a real server. The agent proposes and is denied,
 * gets a grant, proposes again and needs an approval, is approved by a human, executes, health fails
 * on an alert, the action is marked for revert, the revert is reported, the outcome is in the graph
 * and in blast radius' history, and the signed audit verifies.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/api/server.js';
import { verifyAuditFile } from '../../src/control/audit-file.js';
import { type OpenedControl, openControl } from '../../src/control/open-control.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { ev, productionEvents } from '../unit/control-fixtures.js';

const TOKENS = {
  bot: 'tok-agent-bot-0123456789',
  ann: 'tok-human-ann-0123456789',
};

type Gql = { data?: Record<string, Record<string, unknown> | null>; errors?: { message: string; extensions?: { code?: string } }[] };

describe('an agent session over HTTP', () => {
  let dir = '';
  let url = '';
  let server: Server;
  let control: OpenedControl;
  let store: EmbeddedStore;

  async function gql(who: keyof typeof TOKENS | null, query: string, variables: object = {}): Promise<Gql> {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(who ? { authorization: `Bearer ${TOKENS[who]}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Gql;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctxgraph-e2e-control-'));
    await copyFile('examples/policy.json', join(dir, 'policy.json'));
    ({ store } = await EmbeddedStore.open({ dataDir: null }));
    const metrics = createMetrics(store, { processMetrics: false });
    const pipeline = createPipeline({ store, observer: metrics.observer('http') });
    control = await openControl({
      config: {
        policyFile: join(dir, 'policy.json'),
        auditFile: join(dir, 'audit.ndjson'),
        auditKeyFile: join(dir, 'audit.key'),
        tokensFile: null,
        tokens: [
          { token: TOKENS.bot, id: 'bot', role: 'agent', model: 'model-a' },
          { token: TOKENS.ann, id: 'ann', role: 'human' },
        ],
        anonymousRead: false,
        redis: null,
      },
      reader: store,
      logger: silentLogger,
      ingest: async (events) => {
        const r = await pipeline.ingest(events);
        if (!r.ok) throw new Error(JSON.stringify(r.errors));
      },
    });
    server = createHttpServer({ store, pipeline, metrics, ready: () => true, logger: silentLogger, control: control.wiring });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const posted = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(productionEvents()) });
    expect(posted.status).toBe(200);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await control.close();
    await rm(dir, { recursive: true, force: true });
  });

  const PROPOSE = `mutation ($input: ProposeActionInput!) {
    proposeAction(input: $input) {
      __typename
      ... on ActionDecision { actionId verdict approvalsRequired reasons { primitive outcome message } blastRadius { trafficShare zonesCrossed services { service } } }
      ... on ControlError { code message }
    }
  }`;
  const input = { kind: 'DEPLOY', service: 'cart', parameters: { version: 'v2', previousVersion: 'v1' }, justification: 'fix the leak in cart', evidence: ['incident-7'], model: 'model-a' };
  const ACTION = `... on Action { id status verdict revertRequired healthDetail approvals { approver } } ... on ControlError { code message }`;

  it('runs propose, denied, grant, propose, approval, execute, failed health, revert, outcome, audit', async () => {
    // Denied: no grant yet.
    const first = (await gql('bot', PROPOSE, { input })).data?.proposeAction as { verdict: string; reasons: { primitive: string; outcome: string }[] };
    expect(first.verdict).toBe('DENY');
    expect(first.reasons).toContainEqual(expect.objectContaining({ primitive: 'GRANT', outcome: 'DENY' }));

    // An agent cannot grant itself access; a human can.
    const GRANT = `mutation { grantAccess(agent: "bot", services: ["cart"], kinds: [DEPLOY], ttlSeconds: 3600) { __typename ... on Grant { id expiresAt } ... on ControlError { code } } }`;
    expect((await gql('bot', GRANT)).data?.grantAccess).toEqual({ __typename: 'ControlError', code: 'FORBIDDEN' });
    expect((await gql('ann', GRANT)).data?.grantAccess).toMatchObject({ __typename: 'Grant' });

    // Allowed only with approval: 16% of entry traffic, and cart's effects reach the edge zone.
    const second = (await gql('bot', PROPOSE, { input })).data?.proposeAction as { actionId: string; verdict: string; approvalsRequired: number; blastRadius: { trafficShare: number; zonesCrossed: string[] } };
    expect(second).toMatchObject({ verdict: 'REQUIRE_APPROVAL', approvalsRequired: 1 });
    expect(second.blastRadius.trafficShare).toBeCloseTo(25 / 155, 9);
    expect(second.blastRadius.zonesCrossed).toEqual(['edge', 'internal']);
    const id = second.actionId;

    const APPROVE = `mutation ($id: ID!) { approveAction(id: $id, note: "ok") { __typename ${ACTION} } }`;
    expect((await gql('bot', APPROVE, { id })).data?.approveAction).toMatchObject({ code: 'FORBIDDEN' });
    expect((await gql('ann', APPROVE, { id })).data?.approveAction).toMatchObject({ status: 'ALLOWED', approvals: [{ approver: 'ann' }] });

    const EXECUTE = `mutation ($id: ID!) { executeAction(id: $id) { __typename ${ACTION} } }`;
    expect((await gql('ann', EXECUTE, { id })).data?.executeAction).toMatchObject({ code: 'FORBIDDEN' });
    expect((await gql('bot', EXECUTE, { id })).data?.executeAction).toMatchObject({ status: 'EXECUTED' });

    // Health fails: an alert fires on cart after execution.
    const alert = ev('alert.fired', Date.now(), { alert: 'cart-5xx', service: 'cart', signal: 'errors', severity: 'critical' });
    expect((await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([alert]) })).status).toBe(200);
    const health = (await gql('bot', `mutation ($id: ID!) { reportHealth(id: $id) { __typename ${ACTION} } }`, { id })).data?.reportHealth;
    expect(health).toMatchObject({ status: 'REVERT_REQUIRED', revertRequired: true, healthDetail: 'alerts since execution: cart-5xx (errors)' });
    const reverted = (await gql('bot', `mutation ($id: ID!) { reportRevert(id: $id, reverted: true, detail: "back on v1") { __typename ${ACTION} } }`, { id })).data?.reportRevert;
    expect(reverted).toMatchObject({ status: 'REVERTED' });

    // The outcome is a fact in the graph and in the history blast radius reads.
    expect(await store.deploy(id, { at: Date.now() + 1000, knownAt: END_OF_TIME })).toMatchObject({ service: 'cart', status: 'rolled_back', actor: 'bot', actorModel: 'model-a' });
    const br = (await gql('ann', `{ blastRadius(action: { kind: DEPLOY, service: "cart" }) { history { count rollbacks rollbackRate recent { id status } } } }`)).data?.blastRadius;
    expect(br).toEqual({ history: { count: 1, rollbacks: 1, rollbackRate: 1, recent: [{ id, status: 'ROLLED_BACK' }] } });

    // Every step is in the signed audit, and it verifies (over GraphQL and from the files).
    const audit = (await gql('ann', `{ verifyAudit { ok entries problems { line message } } }`)).data?.verifyAudit as { ok: boolean; entries: number };
    expect(audit.ok).toBe(true);
    const file = await verifyAuditFile(join(dir, 'audit.ndjson'), join(dir, 'audit.key'));
    expect(file).toMatchObject({ ok: true, entries: audit.entries });
    const lines = (await readFile(join(dir, 'audit.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; actionId: string | null; actor: string | null });
    expect(lines.filter((l) => l.actionId === id).map((l) => `${l.type} by ${l.actor}`)).toEqual([
      'action.proposed by bot',
      'action.decided by ctxgraph',
      'action.approved by ann',
      'action.executed by bot',
      'action.outcome by bot',
      'action.health by bot',
      'action.outcome by bot',
      'action.outcome by bot',
    ]);
    expect(lines.filter((l) => l.type === 'grant.issued').map((l) => l.actor)).toEqual(['ann']);
  });

  it('answers anonymous callers only as the config allows', async () => {
    const r = await gql(null, `{ killSwitches { scope } }`);
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const p = (await gql(null, PROPOSE, { input })).data?.proposeAction as { verdict: string; reasons: { primitive: string }[] };
    expect(p).toMatchObject({ verdict: 'DENY', reasons: [{ primitive: 'IDENTITY' }] });
    expect((await gql(null, `{ whoami { id } }`)).data?.whoami).toBeNull();
    expect((await gql('bot', `{ whoami { id role model } }`)).data?.whoami).toEqual({ id: 'bot', role: 'AGENT', model: 'model-a' });
  });

  it('keeps an agent from lifting a kill switch it cannot undo, and lets a human do it', async () => {
    const scope = `scope: { scope: SERVICE, target: "cart" }`;
    expect((await gql('bot', `mutation { engageKillSwitch(${scope}, reason: "runaway") { __typename } }`)).data?.engageKillSwitch).toEqual({ __typename: 'KillSwitch' });
    expect((await gql('bot', `mutation { liftKillSwitch(${scope}) { __typename ... on ControlError { code } } }`)).data?.liftKillSwitch).toEqual({ __typename: 'ControlError', code: 'FORBIDDEN' });
    const denied = (await gql('bot', PROPOSE, { input })).data?.proposeAction as { verdict: string; reasons: { primitive: string; outcome: string; message: string }[] };
    expect(denied.reasons).toContainEqual(expect.objectContaining({ primitive: 'KILL_SWITCH', outcome: 'DENY' }));
    expect((await gql('ann', `mutation { liftKillSwitch(${scope}) { ... on ControlDone { changed } } }`)).data?.liftKillSwitch).toEqual({ changed: true });
  });

  it('widens a proposal to what it says it touches: a deploy that changes its calls to db needs a quorum', async () => {
    const GRANT = `mutation { grantAccess(agent: "bot", services: ["cart"], kinds: [DEPLOY, CONFIG_CHANGE], ttlSeconds: 3600) { __typename } }`;
    expect((await gql('ann', GRANT)).data?.grantAccess).toEqual({ __typename: 'Grant' });
    const SCOPED = `mutation ($input: ProposeActionInput!) {
      proposeAction(input: $input) { ... on ActionDecision { actionId approvalsRequired reasons { primitive outcome } blastRadius { trafficShare touched { service reason via from } services { service depth } } } }
    }`;
    type Decision = { actionId: string; approvalsRequired: number; reasons: { primitive: string; outcome: string }[]; blastRadius: { trafficShare: number; touched: object[]; services: { service: string }[] } };
    const plain = (await gql('bot', SCOPED, { input })).data?.proposeAction as Decision;
    expect(plain.blastRadius.touched).toEqual([{ service: 'cart', reason: 'TARGET', via: null, from: null }]);
    expect(plain.approvalsRequired).toBe(1);
    const scoped = (await gql('bot', SCOPED, { input: { ...input, dependency: 'db' } })).data?.proposeAction as Decision;
    expect(scoped.blastRadius.touched).toEqual([
      { service: 'cart', reason: 'TARGET', via: null, from: null },
      { service: 'db', reason: 'DEPENDENCY', via: null, from: null },
    ]);
    // db's callers (api, then web and mobile) are reached too. Through cart or db: web's 100 rps
    // 0.2 + 0.4, mobile's 50 rps 0.4, batch's 5 all: 55% of entry traffic (cart alone: 16%), over
    // the policy's 30% for a high-severity quorum of two.
    expect(scoped.blastRadius.services.map((s) => s.service)).toEqual(expect.arrayContaining(['api', 'mobile']));
    expect(scoped.blastRadius.trafficShare).toBeCloseTo((100 * 0.6 + 50 * 0.4 + 5) / 155, 9);
    expect(scoped.approvalsRequired).toBe(2);
    const action = (await gql('ann', `query ($id: ID!) { action(id: $id) { ... on Action { service services dependency } } }`, { id: scoped.actionId })).data?.action;
    expect(action).toEqual({ service: 'cart', services: [], dependency: 'db' });

    // A setting whose last change said it governs cart's calls to db: naming its key is enough.
    const setting = ev('config.changed', Date.now() - 60_000, { change: 'c-db-timeout', service: 'cart', key: 'db.timeoutMs', value: 800, dependency: 'db' });
    expect((await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([setting]) })).status).toBe(200);
    const byKey = (await gql('bot', SCOPED, { input: { ...input, kind: 'CONFIG_CHANGE', parameters: { key: 'db.timeoutMs', value: 200 } } })).data?.proposeAction as Decision;
    expect(byKey.blastRadius.touched).toEqual([
      { service: 'cart', reason: 'TARGET', via: null, from: null },
      { service: 'db', reason: 'DEPENDENCY', via: null, from: 'c-db-timeout' },
    ]);
    expect(byKey.approvalsRequired).toBe(2);
  });

  it('names an unknown service in blastRadius as an error with a code', async () => {
    const r = await gql('ann', `{ blastRadius(action: { kind: RESTART, service: "ghost" }) { services { service } } }`);
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'UNKNOWN_SERVICE' } });
    expect(r.errors?.[0]?.message).toMatch(/ghost/);
    const scoped = await gql('ann', `{ blastRadius(action: { kind: CONFIG_CHANGE, service: "cart", services: ["api", "gohst"] }) { services { service } } }`);
    expect(scoped.errors?.[0]).toMatchObject({ message: 'service "gohst" (services) does not exist at that time', extensions: { code: 'UNKNOWN_SERVICE' } });
  });
});
