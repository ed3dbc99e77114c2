/**
 * The whole app in process, as `npm start` runs it (demo data, embedded store in a directory), with
 * API tokens from a file: the demo graph answers, blast radius reads it, an agent's proposal gets a
 * verdict in which the trust ladder has a say, the proposal lands in the signed audit (which
 * `audit:verify` accepts) and in the graph as action facts, the ladder answers over GraphQL and on
 * /metrics, and a restart on the same directory keeps the action facts and continues the audit.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { defaultAuditPaths, runAuditVerify } from '../../src/control/audit-verify-command.js';
import { silentLogger } from '../../src/logger.js';
import { type App, startApp } from '../../src/main.js';

const TOKENS = {
  bot: 'tok-agent-bot-0123456789',
  ann: 'tok-human-ann-0123456789',
  root: 'tok-admin-root-0123456789',
};

type Who = keyof typeof TOKENS | null;
interface Gql<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}
interface Line {
  primitive: string;
  outcome: string;
  message: string;
}
interface Decision {
  __typename: string;
  actionId: string;
  verdict: string;
  reasons: Line[];
}
interface AuditLine {
  type: string;
  actor: string | null;
  actionId: string | null;
  data: Record<string, unknown>;
}

const PROPOSE = `mutation ($input: ProposeActionInput!) {
  proposeAction(input: $input) {
    __typename
    ... on ActionDecision { actionId verdict reasons { primitive outcome message } }
    ... on ControlError { code message }
  }
}`;
const deployCart = { kind: 'DEPLOY', service: 'cart', parameters: { version: 'v2', previousVersion: 'v1' }, rolloutPercent: 5, justification: 'fix the leak in cart', evidence: ['incident-7'], model: 'model-a' };

describe('the app with the control and trust layers', () => {
  let dir = '';
  let dataDir = '';
  let config: Config;
  let app: App | null = null;
  let proposed: Decision;

  async function gql<T = Record<string, unknown>>(who: Who, query: string, variables: object = {}): Promise<Gql<T>> {
    if (!app) throw new Error('the app is not running');
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(who ? { authorization: `Bearer ${TOKENS[who]}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Gql<T>;
  }

  async function propose(who: Who, input: object): Promise<Decision> {
    const r = await gql<{ proposeAction: Decision }>(who, PROPOSE, { input });
    expect(r.errors).toBeUndefined();
    return r.data!.proposeAction;
  }

  /** A proposal is answered before its entries and events are durable; checking the audit waits for them. */
  async function recorded(): Promise<void> {
    expect((await gql<{ verifyAudit: { ok: boolean } }>('ann', '{ verifyAudit { ok } }')).data?.verifyAudit.ok).toBe(true);
  }

  async function auditLines(): Promise<AuditLine[]> {
    await recorded();
    const text = await readFile(config.control.auditFile, 'utf8');
    return text.trim().split('\n').map((l) => JSON.parse(l) as AuditLine);
  }

  async function actionChanges(): Promise<{ type: string; kind: string; entity: string; eventId: string }[]> {
    await recorded();
    const now = Date.now();
    const r = await gql<{ changes: { type: string; kind: string; entity: string; eventId: string }[] }>(
      'ann',
      `query ($from: DateTime!, $to: DateTime!) { changes(from: $from, to: $to, service: "cart") { type kind entity eventId } }`,
      { from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString() },
    );
    expect(r.errors).toBeUndefined();
    return r.data!.changes.filter((c) => c.kind === 'ACTION');
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctxgraph-e2e-app-'));
    dataDir = join(dir, 'data');
    const tokensFile = join(dir, 'tokens.json');
    await writeFile(
      tokensFile,
      JSON.stringify([
        { token: TOKENS.bot, id: 'bot', role: 'agent', model: 'model-a' },
        { token: TOKENS.ann, id: 'ann', role: 'human' },
        { token: TOKENS.root, id: 'root', role: 'admin' },
      ]),
    );
    const loaded = loadConfig({ CTXGRAPH_DATA_DIR: dataDir, CTXGRAPH_PORT: '0', CTXGRAPH_TOKENS_FILE: tokensFile, CTXGRAPH_ANONYMOUS_READ: 'false', LOG_LEVEL: 'silent' });
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    config = loaded.config;
    app = await startApp({ config, logger: silentLogger, demo: true, handleSignals: false });
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the audit where audit:verify looks by default', () => {
    expect(config.control).toMatchObject({ ...defaultAuditPaths(dataDir), tokensFile: join(dir, 'tokens.json'), anonymousRead: false, policyFile: null });
  });

  it('names every bad control setting at once', () => {
    const r = loadConfig({ CTXGRAPH_ANONYMOUS_READ: 'maybe', CTXGRAPH_TOKENS_FILE: '', CTXGRAPH_PORT: 'x' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([expect.stringMatching(/^CTXGRAPH_PORT: /), expect.stringMatching(/^CTXGRAPH_ANONYMOUS_READ: must be true or false/)]);
  });

  it('answers with the demo graph', async () => {
    const r = await gql<{ graphAt: { services: { id: string }[]; dependencies: { from: string; to: string }[] } }>('ann', `query ($at: DateTime!) { graphAt(at: $at) { services { id } dependencies { from to } } }`, {
      at: new Date().toISOString(),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data?.graphAt.services.map((s) => s.id)).toEqual(expect.arrayContaining(['cart', 'checkout', 'storefront-bff']));
    expect(r.data?.graphAt.dependencies).toContainEqual({ from: 'checkout', to: 'cart' });
  });

  it('answers no graph to a caller without a token, as CTXGRAPH_ANONYMOUS_READ=false says', async () => {
    const q = `query ($at: DateTime!) { graphAt(at: $at) { services { id } } }`;
    const r = await gql(null, q, { at: new Date().toISOString() });
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.map((e) => (e as { extensions?: { code?: string } }).extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect((await gql(null, `{ whoami { id } }`)).data).toEqual({ whoami: null });
  });

  it('computes the blast radius of an action on a demo service', async () => {
    const r = await gql<{ blastRadius: { services: { service: string; depth: number; critical: boolean }[]; trafficShare: number | null } }>(
      'ann',
      `{ blastRadius(action: { kind: DEPLOY, service: "cart" }) { services { service depth critical } trafficShare } }`,
    );
    expect(r.errors).toBeUndefined();
    const br = r.data!.blastRadius;
    expect(br.services[0]).toEqual({ service: 'cart', depth: 0, critical: true });
    // cart's callers are reached one hop away, and entry traffic flows through it.
    expect(br.services).toEqual(expect.arrayContaining([expect.objectContaining({ service: 'checkout', depth: 1 }), expect.objectContaining({ service: 'storefront-bff', depth: 1 })]));
    expect(br.trafficShare).toBeGreaterThan(0);
  });

  it('gives an agent that was never enrolled on the trust ladder a refusal that says why', async () => {
    proposed = await propose('bot', deployCart);
    expect(proposed).toMatchObject({ __typename: 'ActionDecision', verdict: 'DENY' });
    expect(proposed.reasons.slice(0, 3).map((l) => `${l.primitive} ${l.outcome}`)).toEqual(['IDENTITY ALLOW', 'KILL_SWITCH ALLOW', 'TRUST DENY']);
    expect(proposed.reasons.find((l) => l.primitive === 'TRUST')?.message).toBe('bot is on rung read-only for cart: it may not write there');
    expect(proposed.reasons).toContainEqual(expect.objectContaining({ primitive: 'GRANT', outcome: 'DENY' }));
    // People are not on the ladder: a human's proposal has no trust line.
    const human = await propose('ann', { ...deployCart, model: null });
    expect(human.reasons.map((l) => l.primitive)).not.toContain('TRUST');
  });

  it('records the proposal and its verdict in the signed audit, which audit:verify accepts', async () => {
    const mine = (await auditLines()).filter((l) => l.actionId === proposed.actionId);
    expect(mine.map((l) => `${l.type} by ${l.actor}`)).toEqual(['action.proposed by bot', 'action.decided by ctxgraph']);
    expect(mine[1]?.data).toMatchObject({ verdict: 'DENY', reasons: expect.arrayContaining([expect.objectContaining({ primitive: 'trust', outcome: 'DENY' })]) as unknown });
    const out: string[] = [];
    expect(await runAuditVerify(defaultAuditPaths(dataDir), (l) => out.push(l))).toBe(0);
    expect(out.at(-1)).toMatch(/chain and signatures intact/);
    const r = await gql<{ verifyAudit: { ok: boolean } }>('ann', '{ verifyAudit { ok } }');
    expect(r.data?.verifyAudit.ok).toBe(true);
  });

  it('writes the proposal and verdict into the graph as action facts of the service', async () => {
    const changes = await actionChanges();
    expect(changes.filter((c) => c.entity === proposed.actionId).map((c) => c.type).sort()).toEqual(['action.decided', 'action.proposed']);
  });

  it('answers the trust ladder, audits a promotion, and keeps an agent from promoting itself', async () => {
    const LADDER = `{ trustLadder(agent: "bot", service: "cart") { rung } }`;
    expect((await gql<{ trustLadder: { rung: string } }>('ann', LADDER)).data?.trustLadder.rung).toBe('READ_ONLY');
    const PROMOTE = `mutation { promoteAgent(agent: "bot", service: "cart") { __typename ... on TrustLadder { rung } ... on TrustError { code message } } }`;
    const self = await gql<{ promoteAgent: { __typename: string; code?: string } }>('bot', PROMOTE);
    expect(self.data?.promoteAgent).toMatchObject({ __typename: 'TrustError', code: 'FORBIDDEN' });
    const byAnn = await gql<{ promoteAgent: { __typename: string; rung?: string } }>('ann', PROMOTE);
    expect(byAnn.data?.promoteAgent).toEqual({ __typename: 'TrustLadder', rung: 'SHADOW' });
    const ladders = await gql<{ trustLadders: { agent: string; service: string; rung: string }[] }>('ann', `{ trustLadders { agent service rung } }`);
    expect(ladders.data?.trustLadders).toEqual([{ agent: 'bot', service: 'cart', rung: 'SHADOW' }]);

    const promotions = (await auditLines()).filter((l) => l.type === 'trust.promotion');
    expect(promotions).toEqual([expect.objectContaining({ actor: 'ann', data: expect.objectContaining({ agent: 'bot', service: 'cart', from: 'read-only', to: 'shadow' }) as unknown })]);
    expect(await runAuditVerify(defaultAuditPaths(dataDir), () => undefined)).toBe(0);

    // Shadowing writes nothing: the agent's next proposal is still refused by the ladder.
    const again = await propose('bot', deployCart);
    expect(again.reasons.find((l) => l.primitive === 'TRUST')).toMatchObject({ outcome: 'DENY', message: expect.stringMatching(/^bot is on rung shadow for cart/) as unknown });
  });

  it('exports the trust gauges on /metrics', async () => {
    const res = await fetch(`${app!.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^ctxgraph_trust_rung\{agent="bot",service="cart"\} 1$/m);
    for (const name of ['ctxgraph_error_budget_remaining_ratio', 'ctxgraph_error_budget_burn_rate', 'ctxgraph_error_budget_alert_firing', 'ctxgraph_root_cause_hit_rate']) {
      expect(text).toContain(`# TYPE ${name} gauge`);
    }
  });

  it('keeps the action facts and continues the audit across a restart on the same directory', async () => {
    const before = await actionChanges();
    expect(before.length).toBeGreaterThan(0);
    await app!.close();
    app = null;
    app = await startApp({ config, logger: silentLogger, demo: true, handleSignals: false });

    expect(await actionChanges()).toEqual(before);
    const after = await propose('bot', deployCart);
    expect(after.verdict).toBe('DENY');
    const lines = await auditLines();
    expect(lines.filter((l) => l.actionId === after.actionId).map((l) => l.type)).toEqual(['action.proposed', 'action.decided']);
    expect(await runAuditVerify(defaultAuditPaths(dataDir), () => undefined)).toBe(0);
  });
});
