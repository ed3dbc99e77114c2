/**
 * The in-process shared state: one instance of ctxgraph, or the fallback without Redis. Each
 * method runs to completion without awaiting, which is what makes it atomic on one event loop.
 * It is bounded: at most `maxActions` actions (the oldest proposals go first, with their
 * approvals), expired grants are dropped, and empty rate-limit windows are forgotten.
 */
import { type ActionKind, type ActionRecord, type ActionStatus, type Approval, type Grant, killKey, type KillSwitch, type OutcomeRecord } from '../action.js';
import { MEMORY_ACTIONS_KEPT, OUTCOMES_KEPT, type RateLimitHit, type SharedSnapshot, type SharedState } from '../shared-state.js';

const copy = <T>(v: T): T => structuredClone(v);
/** Grants are read on every proposal (the snapshot): a plain copy, not a structured clone. */
const copyGrant = (g: Grant): Grant => ({ ...g, services: [...g.services], kinds: [...g.kinds] });

export function createMemorySharedState(options: { maxActions?: number } = {}): SharedState {
  const maxActions = options.maxActions ?? MEMORY_ACTIONS_KEPT;
  const hits = new Map<string, number[]>();
  const killsByScope = new Map<string, KillSwitch>();
  const grantsByAgent = new Map<string, Map<string, Grant>>();
  const deviationsByAgent = new Map<string, number>();
  const actions = new Map<string, ActionRecord>();
  const approvalsByAction = new Map<string, Approval[]>();
  const outcomesByKey = new Map<string, OutcomeRecord[]>();
  const watched = new Map<string, number>();

  const live = (key: string, windowMs: number, now: number): number[] => {
    const kept = (hits.get(key) ?? []).filter((t) => t > now - windowMs);
    if (kept.length === 0) hits.delete(key);
    else hits.set(key, kept);
    return kept;
  };

  return {
    snapshot(q): Promise<SharedSnapshot> {
      return Promise.resolve({
        kills: [...killsByScope.values()].map(copy),
        grants: [...(grantsByAgent.get(q.agent)?.values() ?? [])].map(copyGrant),
        deviations: deviationsByAgent.get(q.agent) ?? 0,
        recentActions: live(q.rateKey, q.windowMs, q.now).length,
      });
    },
    hitRateLimit(q): Promise<RateLimitHit> {
      const kept = live(q.key, q.windowMs, q.now);
      if (kept.length >= q.limit) return Promise.resolve({ allowed: false, count: kept.length });
      kept.push(q.now);
      hits.set(q.key, kept);
      return Promise.resolve({ allowed: true, count: kept.length });
    },
    setKill(k) {
      killsByScope.set(killKey(k.scope), copy(k));
      return Promise.resolve();
    },
    liftKill(scopeKey) {
      return Promise.resolve(killsByScope.delete(scopeKey));
    },
    kills() {
      return Promise.resolve([...killsByScope.values()].map(copy));
    },
    putGrant(g) {
      const m = grantsByAgent.get(g.agent) ?? new Map<string, Grant>();
      // A grant expired long before this one was issued can never cover anything again.
      for (const [id, old] of m) if (old.expiresAt <= g.grantedAt) m.delete(id);
      m.set(g.id, copyGrant(g));
      grantsByAgent.set(g.agent, m);
      return Promise.resolve();
    },
    revokeGrant(agent, id) {
      return Promise.resolve(grantsByAgent.get(agent)?.delete(id) ?? false);
    },
    grants(agent) {
      return Promise.resolve([...(grantsByAgent.get(agent)?.values() ?? [])].map(copyGrant));
    },
    addDeviation(agent) {
      const n = (deviationsByAgent.get(agent) ?? 0) + 1;
      deviationsByAgent.set(agent, n);
      return Promise.resolve(n);
    },
    createAction(r) {
      if (actions.has(r.id)) return Promise.reject(new Error(`action ${r.id} already exists`));
      actions.set(r.id, copy(r));
      // Maps iterate in insertion order: the first keys are the oldest proposals.
      for (const old of actions.keys()) {
        if (actions.size <= maxActions) break;
        actions.delete(old);
        approvalsByAction.delete(old);
        watched.delete(old);
      }
      return Promise.resolve();
    },
    action(id) {
      const r = actions.get(id);
      return Promise.resolve(r ? copy(r) : null);
    },
    transition(id, from: readonly ActionStatus[], next) {
      const r = actions.get(id);
      if (!r || !from.includes(r.status)) return Promise.resolve(false);
      actions.set(id, copy(next));
      return Promise.resolve(true);
    },
    addApproval(actionId, a) {
      if (!actions.has(actionId)) return Promise.resolve({ added: false, approvals: [] });
      const list = approvalsByAction.get(actionId) ?? [];
      const added = !list.some((x) => x.approver === a.approver);
      if (added) list.push(copy(a));
      approvalsByAction.set(actionId, list);
      return Promise.resolve({ added, approvals: list.map(copy) });
    },
    approvals(actionId) {
      return Promise.resolve((approvalsByAction.get(actionId) ?? []).map(copy));
    },
    watchExecuted(actionId, executedAt) {
      if (actions.has(actionId)) watched.set(actionId, executedAt);
      return Promise.resolve();
    },
    unwatchExecuted(actionId) {
      watched.delete(actionId);
      return Promise.resolve();
    },
    executedWatched() {
      return Promise.resolve([...watched].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id));
    },
    recordOutcome(o) {
      const key = `${o.service}\u001f${o.kind}`;
      const list = outcomesByKey.get(key) ?? [];
      list.unshift(copy(o));
      list.length = Math.min(list.length, OUTCOMES_KEPT);
      outcomesByKey.set(key, list);
      return Promise.resolve();
    },
    outcomes(service: string, kind: ActionKind) {
      return Promise.resolve((outcomesByKey.get(`${service}\u001f${kind}`) ?? []).map(copy));
    },
    close: () => Promise.resolve(),
  };
}
