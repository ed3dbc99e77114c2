/** The in-process shared state stays bounded however long the process runs. */
import { describe, expect, it } from 'vitest';
import type { ActionRecord, Grant } from '../../src/control/action.js';
import { createMemorySharedState } from '../../src/control/shared-state/memory.js';

const record = (id: string): ActionRecord => ({
  id,
  proposal: { kind: 'RESTART', service: 'api', parameters: {}, rolloutPercent: 100, reversible: true, destructive: false, justification: 'x', evidence: [], model: null },
  proposer: { id: 'ann', role: 'human', model: null },
  verdict: 'REQUIRE_APPROVAL',
  reasons: [],
  approvalsRequired: 1,
  humanApprovalRequired: false,
  dryRun: false,
  status: 'PENDING_APPROVAL',
  proposedAt: 1,
  executedAt: null,
  finishedAt: null,
  revertRequired: false,
  healthDetail: null,
});

describe('in-process shared state bounds', () => {
  it('forgets the oldest proposals, with their approvals, past its limit', async () => {
    const s = createMemorySharedState({ maxActions: 3 });
    for (const id of ['a', 'b', 'c']) await s.createAction(record(id));
    await s.addApproval('a', { approver: 'bob', role: 'human', at: 1, note: null });
    await s.watchExecuted('a', 1);
    for (const id of ['d', 'e']) await s.createAction(record(id));
    expect(await s.action('a')).toBeNull();
    expect(await s.action('b')).toBeNull();
    expect((await s.action('e'))?.id).toBe('e');
    expect(await s.approvals('a')).toEqual([]);
    expect(await s.executedWatched()).toEqual([]);
    // An approval for an action it no longer knows is not kept either.
    expect(await s.addApproval('a', { approver: 'cid', role: 'human', at: 2, note: null })).toEqual({ added: false, approvals: [] });
  });

  it('drops grants that expired before a newer one was issued', async () => {
    const s = createMemorySharedState();
    const g = (id: string, grantedAt: number, expiresAt: number): Grant => ({ id, agent: 'bot', services: ['api'], kinds: ['DEPLOY'], grantedBy: 'ann', grantedAt, expiresAt });
    await s.putGrant(g('old', 0, 100));
    await s.putGrant(g('live', 50, 500));
    await s.putGrant(g('new', 200, 900));
    expect((await s.grants('bot')).map((x) => x.id).sort()).toEqual(['live', 'new']);
  });
});
