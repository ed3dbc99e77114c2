/**
 * The in-process trust store hands out copies: a caller that changes what it read (a prediction's
 * impacted services, its score, a ladder move's checks) changes nothing the store keeps. And an
 * agent's moves on one service come back in order, only theirs. The readiness gate's counts agree
 * with the predictions they summarise.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryTrustStore } from '../../src/trust-store/memory.js';
import type { LadderTransition } from '../../src/trust/ladder.js';
import { hasProvenance, type Prediction } from '../../src/trust/provenance.js';

const blast: Prediction = {
  id: 'blast-radius:a-1',
  kind: 'blast-radius',
  mode: 'decision',
  author: { id: 'ctxgraph', type: 'system' },
  service: 'api',
  incident: null,
  action: 'a-1',
  recordedAt: 10,
  at: 10,
  knownAt: 10,
  version: 'blast-radius@1',
  evidence: ['2 services reached'],
  candidates: [{ cause: { kind: 'deploy', id: 'd-1' }, service: 'api', confidence: 0.5 }],
  impacted: ['api', 'web'],
  outcome: null,
};

const move = (agent: string, service: string, from: LadderTransition['from'], to: LadderTransition['to'], at: number): LadderTransition => ({
  agent,
  service,
  from,
  to,
  direction: 'promotion',
  at,
  by: { id: 'alice', type: 'human' },
  reason: `${from} to ${to}`,
  checks: [{ check: 'enrolled-by-human', met: true, reason: 'by alice' }],
});

describe('the in-process trust store', () => {
  it('keeps predictions apart from what callers hold, before and after they are scored', async () => {
    const store = createMemoryTrustStore();
    const mine = structuredClone(blast);
    await store.putPrediction(mine);
    mine.impacted.push('db');
    mine.author.id = 'someone';
    const [read] = await store.predictions({ service: 'api' });
    expect(read).toEqual(blast);
    read?.impacted.push('batch');
    read?.evidence.push('changed');
    if (read?.candidates[0]) read.candidates[0].cause.id = 'd-9';
    expect(await store.predictions({ id: blast.id })).toEqual([blast]);

    const outcome = { settledAt: 20, correct: true, rank: null, truth: ['api'], faultClass: null };
    expect(await store.settle(blast.id, outcome)).toBe(true);
    outcome.truth.push('web');
    const [settled] = await store.predictions({ action: 'a-1' });
    expect(settled?.outcome?.truth).toEqual(['api']);
    settled?.outcome?.truth.push('db');
    expect((await store.predictions({ action: 'a-1' }))[0]?.outcome?.truth).toEqual(['api']);
  });

  it("lists one agent's moves on one service in order, and keeps them apart from what callers hold", async () => {
    const store = createMemoryTrustStore();
    const enrol = move('fixer', 'api', 'read-only', 'shadow', 1);
    await store.transition({ agent: 'fixer', service: 'api', rung: 'shadow', since: 1, version: 1 }, 0, enrol);
    await store.transition({ agent: 'fixer', service: 'web', rung: 'shadow', since: 2, version: 1 }, 0, move('fixer', 'web', 'read-only', 'shadow', 2));
    await store.transition({ agent: 'other', service: 'api', rung: 'shadow', since: 3, version: 1 }, 0, move('other', 'api', 'read-only', 'shadow', 3));
    const promote = move('fixer', 'api', 'shadow', 'supervised-write', 4);
    await store.transition({ agent: 'fixer', service: 'api', rung: 'supervised-write', since: 4, version: 2 }, 1, promote);
    enrol.checks.push({ check: 'added', met: false, reason: 'later' });

    const trail = await store.transitions({ agent: 'fixer', service: 'api' });
    expect(trail.map((t) => [t.from, t.to])).toEqual([
      ['read-only', 'shadow'],
      ['shadow', 'supervised-write'],
    ]);
    expect(trail[0]?.checks).toHaveLength(1);
    trail[0]?.checks.push({ check: 'added', met: false, reason: 'by the reader' });
    if (trail[1]) trail[1].by.id = 'mallory';
    const again = await store.transitions({ agent: 'fixer', service: 'api' });
    expect(again[0]?.checks).toHaveLength(1);
    expect(again[1]?.by.id).toBe('alice');
    expect((await store.transitions({ agent: 'fixer' })).map((t) => t.service)).toEqual(['api', 'web', 'api']);
    expect((await store.transitions({ service: 'api' })).map((t) => t.agent)).toEqual(['fixer', 'other', 'fixer']);
  });

  it("counts the predictions about a service as the readiness gate reads them, whatever their order and scores", async () => {
    const store = createMemoryTrustStore();
    const shadow = (id: string, recordedAt: number, service = 'api'): Prediction => ({ ...blast, id, kind: 'root-cause', mode: 'shadow', action: null, incident: 'inc-1', service, recordedAt, impacted: [] });
    expect(await store.decisions('api')).toEqual({ total: 0, withProvenance: 0, firstShadowAt: null });
    await store.putPrediction(blast);
    await store.putPrediction(shadow('s-2', 30));
    await store.putPrediction(shadow('s-1', 5));
    await store.putPrediction(shadow('s-web', 1, 'web'));
    await store.putPrediction({ ...blast, id: 'blast-radius:a-2', action: 'a-2', evidence: [] });
    await store.putPrediction({ ...blast, id: 'blast-radius:a-2', action: 'a-2' });
    await store.settle('s-1', { settledAt: 40, correct: true, rank: 1, truth: ['deploy:d-1'], faultClass: 'deploy' });
    const all = await store.predictions({ service: 'api' });
    expect(await store.decisions('api')).toEqual({ total: all.length, withProvenance: all.filter(hasProvenance).length, firstShadowAt: 5 });
    expect(await store.decisions('api')).toEqual({ total: 4, withProvenance: 3, firstShadowAt: 5 });
    expect(await store.decisions('web')).toEqual({ total: 1, withProvenance: 1, firstShadowAt: 1 });
  });
});
