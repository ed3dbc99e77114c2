/**
 * The trust layer's memory survives a restart of the whole app on the same data directory: an
 * agent enrolled on a service keeps its rung and its audit trail, ctxgraph's analyses and the
 * agent's shadow predictions keep their provenance and their scores, and calibration answers the
 * same. Before the memory was made of events, a restart put every agent back on read-only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { type App, startApp } from '../../src/main.js';

const TOKENS = { bot: 'tok-agent-bot-restart-0123', ann: 'tok-human-ann-restart-0123' };
type Who = keyof typeof TOKENS;
interface Gql<T> {
  data?: T | null;
  errors?: { message: string }[];
}

const MIN = 60_000;
const T = Date.now() - 60 * MIN;
const iso = (minutes: number): string => new Date(T + minutes * MIN).toISOString();
const ev = (id: string, minutes: number, type: string, data: object, extra: object = {}) => ({ specversion: '1.0', id, source: 'test', type, time: iso(minutes), data, ...extra });

const LADDER = `{ trustLadder(agent: "bot", service: "checkout") { rung since transitions { from to direction by byType reason } } }`;
const CALIBRATION = `{ all: calibration { total top1 top3 } bot: calibration(author: "bot") { total top1 } mine: calibration(author: "ctxgraph") { total top1 top3 } }`;
const POSTMORTEM = `{ postmortem(incident: "inc-1") { __typename ... on Postmortem { predictions { id mode author version evidence knownAt outcome { correct rank truth } } } } }`;

describe('the trust memory across a restart of the app', () => {
  let dir = '';
  let config: Config;
  let app: App | null = null;

  async function gql<T = Record<string, unknown>>(who: Who, query: string, variables: object = {}): Promise<T> {
    if (!app) throw new Error('the app is not running');
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS[who]}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as Gql<T>;
    expect(body.errors).toBeUndefined();
    return body.data as T;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctxgraph-e2e-trust-restart-'));
    const tokensFile = join(dir, 'tokens.json');
    await writeFile(tokensFile, JSON.stringify([{ token: TOKENS.bot, id: 'bot', role: 'agent', model: 'model-a' }, { token: TOKENS.ann, id: 'ann', role: 'human' }]));
    const loaded = loadConfig({ CTXGRAPH_DATA_DIR: join(dir, 'data'), CTXGRAPH_PORT: '0', CTXGRAPH_TOKENS_FILE: tokensFile, LOG_LEVEL: 'silent' });
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    config = loaded.config;
    app = await startApp({ config, logger: silentLogger, demo: false, handleSignals: false });
    const res = await fetch(`${app.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        ev('s1', 0, 'service.upserted', { service: 'checkout' }),
        ev('s2', 0, 'service.upserted', { service: 'payments' }),
        ev('dep', 0, 'dependency.upserted', { from: 'checkout', to: 'payments' }),
        ev('d1', 10, 'deploy.started', { deploy: 'd-1', service: 'payments', version: 'v2' }, { actor: 'carol', actortype: 'human' }),
        ev('d1f', 11, 'deploy.finished', { deploy: 'd-1', status: 'succeeded' }),
        ev('a1', 12, 'alert.fired', { alert: 'a-1', service: 'payments', signal: 'errors', severity: 'critical' }),
        ev('a2', 13, 'alert.fired', { alert: 'a-2', service: 'checkout', signal: 'errors', severity: 'critical' }),
        ev('i1', 14, 'incident.opened', { incident: 'inc-1', services: ['checkout'] }),
      ]),
    });
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  let ladderBefore: unknown;
  let calibrationBefore: unknown;
  let predictionsBefore: unknown;

  it('enrols an agent, keeps its shadow prediction and ctxgraph analysis, and scores both on resolution', async () => {
    const promoted = await gql<{ promoteAgent: { __typename: string; rung?: string } }>('ann', `mutation { promoteAgent(agent: "bot", service: "checkout") { __typename ... on TrustLadder { rung } } }`);
    expect(promoted.promoteAgent).toEqual({ __typename: 'TrustLadder', rung: 'SHADOW' });
    const shadow = await gql<{ recordShadowPrediction: { __typename: string } }>(
      'bot',
      `mutation { recordShadowPrediction(incident: "inc-1", version: "model-a", evidence: ["payments errors began after d-1"], candidates: [{ cause: { kind: DEPLOY, id: "d-1" }, service: "payments", confidence: 0.8 }]) { __typename } }`,
    );
    expect(shadow.recordShadowPrediction.__typename).toBe('Prediction');
    // Serving the analysis keeps its provenance, once however often it is asked.
    for (let i = 0; i < 2; i++) await gql('ann', `{ rootCause(incident: "inc-1") { candidates { cause { kind id } } } }`);
    const resolved = await gql<{ resolveIncident: { __typename: string } }>('ann', `mutation { resolveIncident(incident: "inc-1", rootCause: { kind: DEPLOY, id: "d-1" }) { __typename } }`);
    expect(resolved.resolveIncident.__typename).toBe('Postmortem');

    ladderBefore = await gql('ann', LADDER);
    calibrationBefore = await gql('ann', CALIBRATION);
    predictionsBefore = await gql('ann', POSTMORTEM);
    expect(ladderBefore).toMatchObject({ trustLadder: { rung: 'SHADOW', transitions: [{ from: 'READ_ONLY', to: 'SHADOW', direction: 'PROMOTION', by: 'ann', byType: 'HUMAN' }] } });
    expect(calibrationBefore).toEqual({ all: { total: 2, top1: 2, top3: 2 }, bot: { total: 1, top1: 1 }, mine: { total: 1, top1: 1, top3: 1 } });
    const preds = (predictionsBefore as { postmortem: { predictions: { mode: string; outcome: { correct: boolean } | null }[] } }).postmortem.predictions;
    expect(preds.map((p) => [p.mode, p.outcome?.correct])).toEqual([
      ['SHADOW', true],
      ['DECISION', true],
    ]);
  });

  it('comes back with the same rung, audit trail, predictions and calibration', async () => {
    await app!.close();
    app = null;
    app = await startApp({ config, logger: silentLogger, demo: false, handleSignals: false });

    expect(await gql('ann', LADDER)).toEqual(ladderBefore);
    expect(await gql('ann', CALIBRATION)).toEqual(calibrationBefore);
    expect(await gql('ann', POSTMORTEM)).toEqual(predictionsBefore);
  });

  it('lets the control layer see the rung the agent holds, not read-only', async () => {
    const r = await gql<{ proposeAction: { verdict: string; reasons: { primitive: string; message: string }[] } }>(
      'bot',
      `mutation ($input: ProposeActionInput!) { proposeAction(input: $input) { ... on ActionDecision { verdict reasons { primitive message } } } }`,
      { input: { kind: 'RESTART', service: 'checkout', justification: 'clear the stuck pool', model: 'model-a' } },
    );
    expect(r.proposeAction.reasons.find((l) => l.primitive === 'TRUST')?.message).toMatch(/^bot is on rung shadow for checkout/);
  });
});
