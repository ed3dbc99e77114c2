/**
 * The control service's behaviour over a given shared state, written once: the in-process state runs
 * it in test/unit, Redis in test/integration. Concurrency cases fire requests in parallel.
 */
import { describe, expect, it } from 'vitest';
import type { ActionRecord } from '../../src/control/action.js';
import type { Result } from '../../src/control/control-service.js';
import type { SharedState } from '../../src/control/shared-state.js';
import { createHealthWatcher } from '../../src/control/health-watcher.js';
import { silentLogger } from '../../src/logger.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { ev } from './control-fixtures.js';
import { ann, bob, bot, bot2, deployProposal, harness, root } from './control-harness.js';

/** Loose enough that a deploy on cart (16% of entry traffic, across zones) is allowed outright. */
const OPEN = { blastRadius: { approval: { trafficShare: 0.5, tier1: 5 }, deny: { trafficShare: 0.99, tier1: 10 } }, networkBoundary: { crossZone: 'allow' } };
const HOUR = 3_600_000;

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/**
 * `serverClock`: the adapter keeps rate-limit time by its own clock (Redis' TIME), so advancing the
 * test's clock does not empty a window there.
 */
export function controlServiceSuite(name: string, open: () => Promise<SharedState>, opts: { serverClock?: boolean } = {}): void {
  describe(`control service over ${name}`, () => {
    async function withGrant(policy: object = OPEN, extra: object[] = []) {
      const state = await open();
      const h = await harness(state, policy, extra);
      value(await h.control.grant(ann, { agent: 'bot', services: ['cart', 'db'], kinds: ['DEPLOY', 'MIGRATION', 'RESTART'], ttlSeconds: 3600 }));
      return { ...h, state };
    }

    it('never lets more proposals through than the rate limit, however many arrive at once', async () => {
      const h = await withGrant({ ...OPEN, rateLimit: { perService: 5, windowSeconds: 60 } });
      const results = await Promise.all(Array.from({ length: 30 }, () => h.control.propose(bot, deployProposal('cart'))));
      const records = results.map((r) => value(r).record);
      expect(records.filter((r) => r.verdict === 'ALLOW')).toHaveLength(5);
      const refused = records.filter((r) => r.verdict === 'DENY');
      expect(refused).toHaveLength(25);
      expect(refused.every((r) => r.reasons.some((l) => l.primitive === 'rate-limit' && l.outcome === 'DENY'))).toBe(true);
      if (!opts.serverClock) {
        h.clock.now += 61_000;
        expect(value(await h.control.propose(bot, deployProposal('cart'))).record.verdict).toBe('ALLOW');
      }
      expect(h.auditOk()).toBe(true);
      await h.state.close();
    });

    it('reaches a quorum of distinct approvers once under parallel approvals, never with the proposer', async () => {
      const h = await withGrant({ ...OPEN, quorum: { approvals: 3 } });
      const { record } = value(await h.control.propose(bot, deployProposal('cart', { reversible: false })));
      expect(record).toMatchObject({ verdict: 'REQUIRE_APPROVAL', status: 'PENDING_APPROVAL', approvalsRequired: 3 });
      expect(await h.control.approve(bot, record.id, null)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const approvers = [ann, bob, ann, bot2, bob];
      const results = await Promise.all(approvers.map((who) => h.control.approve(who, record.id, 'looks right')));
      const statuses = results.filter((r) => r.ok).length;
      expect(statuses).toBeGreaterThanOrEqual(3);
      const after = value(await h.control.action(record.id));
      expect(after.record.status).toBe('ALLOWED');
      expect(after.approvals.map((a) => a.approver).sort()).toEqual(['ann', 'bob', 'bot2']);
      expect(await h.control.approve(root, record.id, null)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      await h.state.close();
    });

    it('holds a destructive migration until a human signs off, whatever agents approve', async () => {
      const h = await withGrant(OPEN);
      const { record } = value(await h.control.propose(bot, { ...deployProposal('cart'), kind: 'MIGRATION', destructive: true, parameters: {} }));
      expect(record).toMatchObject({ verdict: 'REQUIRE_APPROVAL', humanApprovalRequired: true, approvalsRequired: 2 });
      value(await h.control.approve(bot2, record.id, null));
      value(await h.control.approve({ ...bot2, id: 'bot3' }, record.id, null));
      expect(value(await h.control.action(record.id)).record.status).toBe('PENDING_APPROVAL');
      expect(value(await h.control.approve(ann, record.id, 'backup taken')).record.status).toBe('ALLOWED');
      await h.state.close();
    });

    it('executes only for the proposer, only when allowed and not paused; agents cannot lift a pause', async () => {
      const h = await withGrant(OPEN);
      const { record } = value(await h.control.propose(bot, deployProposal('cart')));
      expect(await h.control.execute(bot2, record.id)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      value(await h.control.engageKill(ann, { kind: 'service', id: 'cart' }, 'incident 9'));
      expect(await h.control.execute(bot, record.id)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/incident 9/) as unknown } });
      expect(await h.control.liftKill(bot, { kind: 'service', id: 'cart' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(value(await h.control.propose(bot, deployProposal('cart'))).record.verdict).toBe('DENY');
      expect(value(await h.control.liftKill(ann, { kind: 'service', id: 'cart' }))).toBe(true);
      expect(value(await h.control.execute(bot, record.id)).record.status).toBe('EXECUTED');
      expect(await h.control.execute(bot, record.id)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      await h.state.close();
    });

    it('marks an executed action for revert when alerts follow it, and remembers the outcome', async () => {
      const h = await withGrant(OPEN);
      const { record } = value(await h.control.propose(bot, deployProposal('cart')));
      value(await h.control.execute(bot, record.id));
      h.clock.now += 60_000;
      const r = await h.pipeline.ingest([ev('alert.fired', h.clock.now - 30_000, { alert: 'cart-5xx', service: 'cart', signal: 'errors', severity: 'critical' })]);
      expect(r.ok).toBe(true);
      const health: ActionRecord = value(await h.control.reportHealth(bot, record.id, null, null)).record;
      expect(health).toMatchObject({ status: 'REVERT_REQUIRED', revertRequired: true, healthDetail: 'alerts since execution: cart-5xx (errors)' });
      expect(value(await h.control.reportReverted(bot, record.id, true, 'rolled back to v1')).record.status).toBe('REVERTED');
      // Memory write: the deploy is a fact in the graph, rolled back, and the history counts it once.
      const deploy = await h.store.deploy(record.id, { at: h.clock.now, knownAt: END_OF_TIME });
      expect(deploy).toMatchObject({ service: 'cart', version: 'v2', status: 'rolled_back', actor: 'bot' });
      const br = value(await h.control.blastRadius({ kind: 'DEPLOY', service: 'cart' }, { at: null, knownAt: null }));
      expect(br.history).toMatchObject({ count: 1, rollbacks: 1, rollbackRate: 1 });
      expect(h.auditOk()).toBe(true);
      await h.state.close();
    });

    it('marks an executed action for revert on its own when its target alerts after execution', async () => {
      const h = await withGrant({ ...OPEN, health: { watchSeconds: 600 } });
      const watcher = createHealthWatcher({ control: h.control, logger: silentLogger });
      const { record } = value(await h.control.propose(bot, deployProposal('cart')));
      const executedAt = h.clock.now;
      value(await h.control.execute(bot, record.id));
      const fired = (alert: string, at: number, severity: string) => ev('alert.fired', at, { alert, service: 'cart', signal: 'errors', severity });
      // Before execution, or of a severity the policy ignores: healthy so far.
      expect((await h.pipeline.ingest([fired('old', executedAt - 60_000, 'critical'), fired('note', executedAt + 10_000, 'info')])).ok).toBe(true);
      h.clock.now += 20_000;
      expect(await watcher.tick()).toBe(0);
      expect(value(await h.control.action(record.id)).record.status).toBe('EXECUTED');
      // A critical alert that fired and resolved between two sweeps still counts.
      expect((await h.pipeline.ingest([fired('cart-5xx', executedAt + 30_000, 'critical'), ev('alert.resolved', executedAt + 40_000, { alert: 'cart-5xx' })])).ok).toBe(true);
      h.clock.now += 60_000;
      expect(await watcher.tick()).toBe(1);
      const marked = value(await h.control.action(record.id)).record;
      expect(marked).toMatchObject({ status: 'REVERT_REQUIRED', revertRequired: true });
      expect(marked.healthDetail).toMatch(/cart-5xx/);
      expect(marked.healthDetail).not.toMatch(/note|old/);
      // Audited as ctxgraph's own verdict, and an action.outcome event in the graph.
      expect(h.auditEntries().filter((e) => e.actionId === record.id).map((e) => `${e.type} by ${e.actor}`)).toEqual(expect.arrayContaining(['action.health by ctxgraph', 'action.outcome by ctxgraph']));
      const outcome = (await h.store.changes(executedAt, h.clock.now + 1, END_OF_TIME, 'cart')).filter((c) => c.type === 'action.outcome' && c.entity === record.id);
      expect(outcome).toHaveLength(1);
      // Decided once: the next sweep finds nothing, and the executor's late report is refused.
      expect(await watcher.tick()).toBe(0);
      expect(await h.control.reportHealth(bot, record.id, true, null)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      expect(value(await h.control.reportReverted(bot, record.id, true, 'rolled back')).record.status).toBe('REVERTED');
      expect(h.auditOk()).toBe(true);
      await h.state.close();
    });

    it('stops watching an action once the window has passed quietly, leaving its health to the executor', async () => {
      const h = await withGrant({ ...OPEN, health: { watchSeconds: 60 } });
      const watcher = createHealthWatcher({ control: h.control, logger: silentLogger });
      const { record } = value(await h.control.propose(bot, deployProposal('cart')));
      value(await h.control.execute(bot, record.id));
      h.clock.now += 61_000;
      expect(await watcher.tick()).toBe(0);
      expect((await h.pipeline.ingest([ev('alert.fired', h.clock.now, { alert: 'late', service: 'cart', signal: 'latency', severity: 'critical' })])).ok).toBe(true);
      h.clock.now += 1_000;
      expect(await watcher.tick()).toBe(0);
      expect(value(await h.control.action(record.id)).record.status).toBe('EXECUTED');
      expect(value(await h.control.reportHealth(bot, record.id, null, null)).record.status).toBe('REVERT_REQUIRED');
      await h.state.close();
    });

    it('succeeds when health is reported good, and history counts the success', async () => {
      const h = await withGrant(OPEN);
      const { record } = value(await h.control.propose(bot, { ...deployProposal('cart'), kind: 'RESTART', parameters: {} }));
      value(await h.control.execute(bot, record.id));
      expect(value(await h.control.reportHealth(bot, record.id, true, 'p99 steady')).record.status).toBe('SUCCEEDED');
      const br = value(await h.control.blastRadius({ kind: 'RESTART', service: 'cart' }, { at: null, knownAt: null }));
      expect(br.history).toMatchObject({ count: 1, failures: 0, failureRate: 0 });
      await h.state.close();
    });

    it('raises a drift alarm for out-of-scope actions and denies the agent once they add up', async () => {
      const h = await withGrant({ ...OPEN, drift: { denyAfter: 2 } });
      const scoped = { ...bot, scope: { services: ['db'], kinds: ['RESTART' as const] } };
      expect(value(await h.control.propose(scoped, deployProposal('cart'))).record.verdict).toBe('REQUIRE_APPROVAL');
      expect(value(await h.control.propose(scoped, deployProposal('cart'))).record.verdict).toBe('DENY');
      const inScope = value(await h.control.propose(scoped, { ...deployProposal('db'), kind: 'RESTART', parameters: {} })).record;
      expect(inScope.reasons.find((l) => l.primitive === 'drift')?.outcome).toBe('DENY');
      await h.state.close();
    });

    it('in dry run records every verdict and allows nothing; only an admin reloads the policy', async () => {
      const h = await withGrant({ ...OPEN, dryRun: true });
      const { record } = value(await h.control.propose(bot, deployProposal('cart')));
      expect(record).toMatchObject({ verdict: 'DENY', status: 'DRY_RUN', dryRun: true });
      expect(await h.control.execute(bot, record.id)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      h.policy.set(OPEN);
      expect(await h.control.reloadPolicy(bot)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await h.control.reloadPolicy(ann)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      value(await h.control.reloadPolicy(root));
      expect(value(await h.control.propose(bot, deployProposal('cart'))).record.verdict).toBe('ALLOW');
      await h.state.close();
    });

    it('denies unknown identities and says why', async () => {
      const h = await withGrant(OPEN);
      const { record } = value(await h.control.propose(null, deployProposal('cart')));
      expect(record.verdict).toBe('DENY');
      expect(record.reasons).toEqual([{ primitive: 'identity', outcome: 'DENY', message: 'unknown identity: no valid API token' }]);
      expect(await h.control.propose(bot, deployProposal('ghost'))).toMatchObject({ ok: false, error: { code: 'UNKNOWN_SERVICE' } });
      expect(await h.control.grant(bot, { agent: 'bot', services: ['db'], kinds: ['DEPLOY'], ttlSeconds: 60 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(h.clock.now).toBeLessThan(END_OF_TIME);
      await h.state.close();
    });

    it('refuses after a grant is revoked or has expired', async () => {
      const h = await withGrant(OPEN);
      const g = (await h.control.grants('bot'))[0];
      expect(value(await h.control.propose(bot, deployProposal('cart'))).record.verdict).toBe('ALLOW');
      h.clock.now += 2 * HOUR;
      expect(value(await h.control.propose(bot, deployProposal('cart'))).record.reasons.find((l) => l.primitive === 'grant')?.outcome).toBe('DENY');
      value(await h.control.grant(ann, { agent: 'bot', services: ['cart'], kinds: ['DEPLOY'], ttlSeconds: 600 }));
      expect(value(await h.control.propose(bot, deployProposal('cart'))).record.verdict).toBe('ALLOW');
      const live = (await h.control.grants('bot')).find((x) => x.id !== g?.id);
      expect(value(await h.control.revokeGrant(ann, 'bot', live?.id ?? ''))).toBe(true);
      expect(value(await h.control.propose(bot, deployProposal('cart'))).record.verdict).toBe('DENY');
      await h.state.close();
    });
  });
}
