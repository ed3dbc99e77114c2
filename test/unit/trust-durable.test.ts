/**
 * The trust layer's memory is made of events: predictions, their scores and ladder moves go
 * through the pipeline, come back from the graph after a restart, and replay the same in any
 * order. Blast-radius predictions are scored when the action's outcome arrives, and the `rootCause`
 * query keeps the provenance of what it served.
 */
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../schema/events.js';
import { applyEvent } from '../../src/model/apply.js';
import type { Fact } from '../../src/model/facts.js';
import { compareFacts, END_OF_TIME } from '../../src/model/time.js';
import { eventSourcedTrustStore } from '../../src/trust-store/event-sourced.js';
import { createMemoryTrustStore } from '../../src/trust-store/memory.js';
import { DAY, MINUTE } from '../../src/trust/durations.js';
import type { LadderTransition } from '../../src/trust/ladder.js';
import type { Prediction } from '../../src/trust/provenance.js';
import { ladderEvent, predictionEventData, settledEventData, trustMemoryOf } from '../../src/trust/trust-facts.js';
import { ev, openTrustApi, T0, type TrustApi } from './trust-harness.js';

const m = (minutes: number): number => (minutes * MINUTE) / DAY;
const ALICE = { id: 'alice', type: 'HUMAN' };

/** A seeded shuffle (mulberry32), so a failing order reproduces. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  let a = seed;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** web -> api -> db, and batch on its own; an incident on web caused by deploy d-1 on api. */
async function world(api: TrustApi): Promise<void> {
  api.at(1 + m(10));
  await api.ingest([
    ev(0, 'service.upserted', { service: 'web' }),
    ev(0, 'service.upserted', { service: 'api' }),
    ev(0, 'service.upserted', { service: 'db', kind: 'database' }),
    ev(0, 'service.upserted', { service: 'batch' }),
    ev(0, 'dependency.upserted', { from: 'web', to: 'api' }),
    ev(0, 'dependency.upserted', { from: 'api', to: 'db' }),
    ev(1, 'deploy.started', { deploy: 'd-1', service: 'api', version: 'v2' }, { actor: 'bob', actortype: 'human' }),
    ev(1 + m(1), 'deploy.finished', { deploy: 'd-1', status: 'succeeded' }),
    ev(1 + m(2), 'alert.fired', { alert: 'al-1', service: 'api', signal: 'errors', severity: 'critical' }),
    ev(1 + m(3), 'alert.fired', { alert: 'al-2', service: 'web', signal: 'errors', severity: 'critical' }),
    ev(1 + m(4), 'incident.opened', { incident: 'inc-1', services: ['web'] }),
  ]);
}

const prediction = (over: Partial<Prediction>): Prediction => ({
  id: 'p-1',
  kind: 'root-cause',
  mode: 'shadow',
  author: { id: 'fixer', type: 'agent' },
  service: 'web',
  incident: 'inc-1',
  action: null,
  recordedAt: T0 + 1000,
  at: T0,
  knownAt: T0 + 1000,
  version: 'model-a',
  evidence: ['api errors began after d-1'],
  candidates: [{ cause: { kind: 'deploy', id: 'd-1' }, service: 'api', confidence: 0.7 }],
  impacted: [],
  outcome: null,
  ...over,
});

const move = (over: Partial<LadderTransition>): LadderTransition => ({
  agent: 'fixer',
  service: 'api',
  from: 'read-only',
  to: 'shadow',
  direction: 'promotion',
  at: T0,
  by: { id: 'alice', type: 'human' },
  reason: 'enrolled',
  checks: [{ check: 'enrolled-by-human', met: true, reason: 'enrolled in shadow mode by alice' }],
  ...over,
});

describe('trust events', () => {
  it('replay to the same predictions, scores and ladder moves in any arrival order', () => {
    const settled = prediction({ id: 'p-1' });
    const outcome = { settledAt: T0 + 5000, correct: true, rank: 1, truth: ['deploy:d-1'], faultClass: 'deploy' };
    const blast = prediction({ id: 'b-1', kind: 'blast-radius', mode: 'decision', author: { id: 'ctxgraph', type: 'system' }, service: 'api', incident: null, action: 'a-1', candidates: [], impacted: ['api', 'web'], recordedAt: T0 + 2000 });
    const moves = [
      move({}),
      move({ from: 'shadow', to: 'supervised-write', at: T0 + 3000, reason: 'evidence suffices' }),
      move({ from: 'supervised-write', to: 'shadow', direction: 'demotion', at: T0 + 4000, by: { id: 'ctxgraph', type: 'system' }, reason: 'error budget exhausted' }),
    ];
    const events = [
      { id: 'e1', time: settled.recordedAt, type: 'prediction.recorded', data: predictionEventData(settled) },
      { id: 'e2', time: outcome.settledAt, type: 'prediction.settled', data: settledEventData('p-1', outcome) },
      { id: 'e3', time: blast.recordedAt, type: 'prediction.recorded', data: predictionEventData(blast) },
      ...moves.map((t, i) => ({ id: `e${4 + i}`, time: t.at, ...ladderEvent(t) })),
    ].map((e) => ({ specversion: '1.0', source: 'ctxgraph/trust', ...e, time: new Date(e.time).toISOString() }));
    expect(events.slice(3).map((e) => e.type)).toEqual(['ladder.enrolled', 'ladder.promoted', 'ladder.demoted']);

    for (const seed of [1, 2, 3]) {
      const facts: Fact[] = shuffled(events, seed).flatMap((e, i) => {
        const r = parseEvent(e);
        if (!r.ok) throw new Error(JSON.stringify(r.issues));
        return applyEvent(r.event, T0 + 10_000 + i);
      });
      // The order a store lists them in: valid time, then event key.
      const listed = [...facts].sort(compareFacts).map((f) => ({ kind: f.kind, entity: f.id, at: f.validFrom, attrs: f.attrs }));
      const memory = trustMemoryOf(listed);
      expect(memory.predictions).toEqual([{ ...settled, outcome }, blast]);
      expect(memory.transitions).toEqual(moves);
    }
  });

  it('are checked like every other event: a ladder move must be one the ladder allows', () => {
    const base = { specversion: '1.0', id: 'x', source: 's', time: '2026-03-01T00:00:00Z' };
    const data = ladderEvent(move({})).data;
    expect(parseEvent({ ...base, type: 'ladder.promoted', data: { ...data, from: 'read-only', to: 'autonomous' } })).toMatchObject({ ok: false, issues: [{ path: 'data.to', message: 'a promotion climbs exactly one rung' }] });
    expect(parseEvent({ ...base, type: 'ladder.enrolled', data: { ...data, from: 'shadow', to: 'supervised-write' } })).toMatchObject({ ok: false, issues: [{ path: 'data.to' }] });
    expect(parseEvent({ ...base, type: 'ladder.demoted', data: { ...data, from: 'shadow', to: 'autonomous' } })).toMatchObject({ ok: false, issues: [{ path: 'data.to', message: 'a demotion moves to a lower rung' }] });
    const { incident: _dropped, ...noIncident } = predictionEventData(prediction({}));
    expect(parseEvent({ ...base, type: 'prediction.recorded', data: noIncident })).toMatchObject({ ok: false, issues: [{ path: 'data.kind' }] });
  });
});

describe('the trust memory across a restart', () => {
  it('keeps every rung, audit trail, prediction and score, and lists them among the changes', async () => {
    const api = await openTrustApi();
    await world(api);
    const enrol = await api.query<{ promoteAgent: { rung?: string } }>(`mutation($a: AuthorInput) { promoteAgent(agent: "fixer", service: "web", author: $a) { ... on TrustLadder { rung } } }`, { a: ALICE });
    expect(enrol.data?.promoteAgent.rung).toBe('SHADOW');
    const shadow = await api.trust.recordShadowPrediction({ id: 'fixer', type: 'agent' }, { incident: 'inc-1', candidates: [{ cause: { kind: 'service', id: 'db' }, service: 'db', confidence: 0.6 }, { cause: { kind: 'deploy', id: 'd-1' }, service: 'api', confidence: 0.3 }], evidence: [], version: 'model-a' });
    expect(shadow.ok).toBe(true);
    api.at(1 + m(30));
    const resolved = await api.query(`mutation($a: AuthorInput) { resolveIncident(incident: "inc-1", rootCause: { kind: DEPLOY, id: "d-1" }, author: $a) { __typename } }`, { a: ALICE });
    expect(resolved.errors).toBeUndefined();

    const LADDER = `{ trustLadder(agent: "fixer", service: "web") { rung since shadowPredictions correctShadowPredictions transitions { from to by reason at } } }`;
    const CAL = `{ calibration { total top1 top3 } fixer: calibration(author: "fixer") { total top1 top3 bins { count } } }`;
    const before = { ladder: await api.query(LADDER), cal: await api.query(CAL), predictions: await api.trust.postmortem('inc-1') };
    expect(before.cal.data).toMatchObject({ calibration: { total: 2 }, fixer: { total: 1, top1: 0, top3: 1 } });
    expect(before.ladder.data).toMatchObject({ trustLadder: { rung: 'SHADOW', shadowPredictions: 1, correctShadowPredictions: 0 } });

    await api.restart();
    expect(await api.query(LADDER)).toEqual(before.ladder);
    expect(await api.query(CAL)).toEqual(before.cal);
    const after = await api.trust.postmortem('inc-1');
    expect(after.ok && before.predictions.ok && after.value.predictions).toEqual(before.predictions.ok && before.predictions.value.predictions);

    const kinds = (await api.store.changes(0, END_OF_TIME, END_OF_TIME)).filter((c) => c.kind === 'prediction' || c.kind === 'ladder').map((c) => c.type);
    expect(kinds.sort()).toEqual(['ladder.enrolled', 'prediction.recorded', 'prediction.recorded', 'prediction.settled', 'prediction.settled']);
  });

  it('refuses to move an agent that another writer already moved, rather than fork the ladder', async () => {
    const api = await openTrustApi();
    const ingest = (events: readonly unknown[]) => api.pipeline.ingest(events);
    const first = eventSourcedTrustStore({ projection: createMemoryTrustStore(), ingest });
    const second = eventSourcedTrustStore({ projection: createMemoryTrustStore(), ingest });
    const next = { agent: 'fixer', service: 'api', rung: 'shadow' as const, since: T0, version: 1 };
    expect(await first.transition(next, 0, move({}))).toBe(true);
    // The second does not know of the first move: its own version 1 is a repeat the graph already holds.
    await expect(second.transition(next, 0, move({ by: { id: 'bob', type: 'human' } }))).rejects.toThrow(/another process moved fixer on api/);
    expect(await first.transition(next, 0, move({}))).toBe(false);
    expect(await first.transitions({})).toHaveLength(1);
  });
});

describe('outcomes close the loop', () => {
  const ACTION = (id: string, day: number, status: string) => [
    ev(day, 'action.proposed', { action: id, service: 'api', kind: 'DEPLOY' }, { actor: 'fixer', actortype: 'agent' }),
    ev(day + m(1), 'action.executed', { action: id, service: 'api', kind: 'DEPLOY' }),
    ...(status === 'pending' ? [] : [ev(day + m(20), 'action.outcome', { action: id, service: 'api', kind: 'DEPLOY', status })]),
  ];

  it('scores a blast-radius prediction against what the action was seen to affect, once its outcome arrives', async () => {
    const api = await openTrustApi();
    await world(api);
    const predict = (action: string, day: number) =>
      api.trust.recordBlastRadius({ action, service: 'api', impacted: ['api', 'web'], at: T0 + day * DAY, knownAt: T0 + day * DAY, version: 'blast-radius@1', evidence: ['web calls api'], author: { id: 'ctxgraph', type: 'system' } });
    for (const [action, day] of [['a-missed', 2], ['a-right', 3], ['a-pending', 4]] as const) {
      api.at(day);
      await predict(action, day);
    }
    await api.ingest([
      ...ACTION('a-missed', 2, 'reverted'),
      // api's own database failed under the deploy, which the prediction left out; batch is unrelated.
      ev(2 + m(5), 'alert.fired', { alert: 'x-db', service: 'db', signal: 'saturation' }),
      ev(2 + m(6), 'alert.fired', { alert: 'x-batch', service: 'batch', signal: 'errors' }),
      ...ACTION('a-right', 3, 'succeeded'),
      ev(3 + m(5), 'alert.fired', { alert: 'y-web', service: 'web', signal: 'latency' }),
      ...ACTION('a-pending', 4, 'pending'),
    ]);
    api.at(5);

    const cal = await api.query<{ calibration: { blastRadius: { total: number; correct: number; rate: number } } }>(`{ calibration(author: "ctxgraph") { blastRadius { total correct rate } } }`);
    expect(cal.data?.calibration.blastRadius).toEqual({ total: 2, correct: 1, rate: 0.5 });
    const scored = await api.trustStore.predictions({ kind: 'blast-radius' });
    expect(scored.map((p) => [p.action, p.outcome?.correct ?? null, p.outcome?.truth ?? null])).toEqual([
      ['a-missed', false, ['api', 'db']],
      ['a-right', true, ['web']],
      ['a-pending', null, null],
    ]);
    // The score is an event too: it survives a restart.
    await api.restart();
    expect((await api.query(`{ calibration(author: "ctxgraph") { blastRadius { total correct rate } } }`)).data).toEqual(cal.data);
  });
});

describe('provenance of served analyses', () => {
  const ROOT_CAUSE = `query($k: DateTime) { rootCause(incident: "inc-1", knownAt: $k) { candidates { cause { kind id } } } }`;

  it('keeps what the rootCause query served about an open incident once, and scores it at resolution', async () => {
    const api = await openTrustApi();
    await world(api);
    for (let i = 0; i < 3; i++) expect((await api.query(ROOT_CAUSE)).errors).toBeUndefined();
    await api.query(`{ rootCause(services: ["web"]) { candidates { rank } } }`);
    const kept = await api.trustStore.predictions({ kind: 'root-cause' });
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ mode: 'decision', author: { id: 'ctxgraph' }, incident: 'inc-1', knownAt: T0 + (1 + m(10)) * DAY, version: expect.stringMatching(/^root-cause@/) as unknown });
    expect(kept[0]?.evidence.length).toBeGreaterThan(0);

    api.at(2);
    await api.ingest([ev(1 + m(40), 'incident.resolved', { incident: 'inc-1', rootCause: { kind: 'deploy', id: 'd-1' } })]);
    const cal = await api.query<{ calibration: { total: number } }>(`{ calibration(author: "ctxgraph") { total } }`);
    expect(cal.data?.calibration.total).toBe(1);
  });

  it('keeps nothing for an incident already resolved when the analysis was served: that is no prediction', async () => {
    const api = await openTrustApi();
    await world(api);
    api.at(2);
    await api.ingest([ev(1 + m(40), 'incident.resolved', { incident: 'inc-1', rootCause: { kind: 'deploy', id: 'd-1' } })]);
    expect((await api.query(ROOT_CAUSE)).errors).toBeUndefined();
    expect(await api.trustStore.predictions({})).toEqual([]);
    // Asked as known before the resolution, the same question is a prediction again.
    expect((await api.query(ROOT_CAUSE, { k: new Date(T0 + (1 + m(20)) * DAY).toISOString() })).errors).toBeUndefined();
    expect(await api.trustStore.predictions({})).toHaveLength(1);
  });
});
