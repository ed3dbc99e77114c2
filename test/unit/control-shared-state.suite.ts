/**
 * The behaviour every SharedState adapter must have, written once: the in-process adapter runs it
 * in test/unit, the Redis adapter in test/integration.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionRecord, Grant } from '../../src/control/action.js';
import type { SharedState } from '../../src/control/shared-state.js';

/** A proposed deploy in a given status: the action record the shared-state tests store and move. */
export const actionRecord = (id: string, status: ActionRecord['status'] = 'PENDING_APPROVAL'): ActionRecord => ({
  id,
  proposal: { kind: 'DEPLOY', service: 'api', parameters: { version: 'v2' }, rolloutPercent: 100, reversible: true, destructive: false, justification: 'fix', evidence: [], model: 'm' },
  proposer: { id: 'bot', role: 'agent', model: 'm' },
  verdict: 'REQUIRE_APPROVAL',
  reasons: [],
  approvalsRequired: 2,
  humanApprovalRequired: false,
  dryRun: false,
  status,
  proposedAt: 1,
  executedAt: null,
  finishedAt: null,
  revertRequired: false,
  healthDetail: null,
});

export function sharedStateSuite(name: string, open: () => Promise<SharedState>): void {
  describe(`shared state: ${name}`, () => {
    let s: SharedState;
    beforeEach(async () => {
      s = await open();
    });
    afterEach(async () => {
      await s.close();
    });

    it('never admits more than the limit, even for parallel hits', async () => {
      const hits = await Promise.all(Array.from({ length: 40 }, (_, i) => s.hitRateLimit({ key: 'svc:api', limit: 7, windowMs: 60_000, now: 1_000 + i, member: `a${i}` })));
      expect(hits.filter((h) => h.allowed)).toHaveLength(7);
      expect((await s.snapshot({ agent: 'x', rateKey: 'svc:api', windowMs: 60_000, now: 2_000 })).recentActions).toBe(7);
    });

    it('admits again once earlier hits leave the window', async () => {
      // Real time: an adapter shared between instances keeps the window by its own clock (Redis: TIME).
      const windowMs = 300;
      for (let i = 0; i < 3; i++) expect((await s.hitRateLimit({ key: 'k', limit: 3, windowMs, now: Date.now(), member: `m${i}` })).allowed).toBe(true);
      expect((await s.hitRateLimit({ key: 'k', limit: 3, windowMs, now: Date.now(), member: 'm3' })).allowed).toBe(false);
      await new Promise((r) => setTimeout(r, windowMs + 100));
      expect((await s.hitRateLimit({ key: 'k', limit: 3, windowMs, now: Date.now(), member: 'm4' })).allowed).toBe(true);
    });

    it('lists the executed actions it watches, oldest execution first, until unwatched', async () => {
      for (const id of ['x1', 'x2', 'x3']) await s.createAction(actionRecord(id, 'EXECUTED'));
      await s.watchExecuted('x1', 50);
      await s.watchExecuted('x2', 20);
      await s.watchExecuted('x3', 30);
      expect(await s.executedWatched()).toEqual(['x2', 'x3', 'x1']);
      await s.unwatchExecuted('x3');
      expect(await s.executedWatched()).toEqual(['x2', 'x1']);
    });

    it('engages and lifts kill switches per scope', async () => {
      await s.setKill({ scope: { kind: 'service', id: 'db' }, by: 'ann', reason: 'incident', at: 5 });
      await s.setKill({ scope: { kind: 'global' }, by: 'ann', reason: 'freeze', at: 6 });
      expect((await s.kills()).map((k) => k.scope.kind).sort()).toEqual(['global', 'service']);
      expect(await s.liftKill('global')).toBe(true);
      expect(await s.liftKill('global')).toBe(false);
      expect((await s.snapshot({ agent: 'x', rateKey: 'r', windowMs: 1, now: 1 })).kills).toEqual([
        { scope: { kind: 'service', id: 'db' }, by: 'ann', reason: 'incident', at: 5 },
      ]);
    });

    it('keeps grants per agent and revokes them', async () => {
      const g: Grant = { id: 'g1', agent: 'bot', services: ['api'], kinds: ['DEPLOY'], grantedBy: 'ann', grantedAt: 1, expiresAt: 100 };
      await s.putGrant(g);
      expect(await s.grants('bot')).toEqual([g]);
      expect(await s.grants('other')).toEqual([]);
      expect(await s.revokeGrant('bot', 'g1')).toBe(true);
      expect((await s.snapshot({ agent: 'bot', rateKey: 'r', windowMs: 1, now: 1 })).grants).toEqual([]);
    });

    it('hands out copies of grants: changing one read back changes nothing kept', async () => {
      const g: Grant = { id: 'g2', agent: 'bot', services: ['api'], kinds: ['DEPLOY'], grantedBy: 'ann', grantedAt: 1, expiresAt: 100 };
      await s.putGrant(g);
      g.services.push('db');
      const [read] = await s.grants('bot');
      read?.services.push('*');
      read?.kinds.push('RESTART');
      const [snap] = (await s.snapshot({ agent: 'bot', rateKey: 'r', windowMs: 1, now: 1 })).grants;
      snap?.services.push('web');
      expect(await s.grants('bot')).toEqual([{ ...g, services: ['api'] }]);
    });

    it('counts deviations per agent', async () => {
      await s.addDeviation('bot');
      expect(await s.addDeviation('bot')).toBe(2);
      expect((await s.snapshot({ agent: 'bot', rateKey: 'r', windowMs: 1, now: 1 })).deviations).toBe(2);
    });

    it('moves an action on only from an expected status, once under parallel attempts', async () => {
      await s.createAction(actionRecord('a1'));
      await expect(s.createAction(actionRecord('a1'))).rejects.toThrow(/already exists/);
      const results = await Promise.all(Array.from({ length: 10 }, () => s.transition('a1', ['PENDING_APPROVAL'], actionRecord('a1', 'ALLOWED'))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await s.transition('a1', ['PENDING_APPROVAL'], actionRecord('a1', 'DENIED'))).toBe(false);
      expect((await s.action('a1'))?.status).toBe('ALLOWED');
      expect(await s.action('nope')).toBeNull();
    });

    it('counts each approver once, under parallel approvals too', async () => {
      await s.createAction(actionRecord('a2'));
      const approvers = ['ann', 'bob', 'ann', 'cid', 'bob'];
      const all = await Promise.all(approvers.map((approver, i) => s.addApproval('a2', { approver, role: 'human', at: i, note: null })));
      expect(all.filter((r) => r.added)).toHaveLength(3);
      expect((await s.approvals('a2')).map((a) => a.approver).sort()).toEqual(['ann', 'bob', 'cid']);
    });

    it('keeps outcomes per service and kind, the latest first', async () => {
      await s.recordOutcome({ actionId: 'a', service: 'api', kind: 'DEPLOY', status: 'succeeded', at: 1, by: 'bot' });
      await s.recordOutcome({ actionId: 'b', service: 'api', kind: 'DEPLOY', status: 'reverted', at: 2, by: 'bot' });
      await s.recordOutcome({ actionId: 'c', service: 'api', kind: 'RESTART', status: 'failed', at: 3, by: 'bot' });
      expect((await s.outcomes('api', 'DEPLOY')).map((o) => o.actionId)).toEqual(['b', 'a']);
      expect(await s.outcomes('db', 'DEPLOY')).toEqual([]);
    });
  });
}
