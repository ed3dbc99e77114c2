/**
 * The in-process shared state: one instance of ctxgraph, or the fallback without Redis. Each
 * method runs to completion without awaiting, which is what makes it atomic on one event loop.
 */
import { type ActionKind, type ActionRecord, type ActionStatus, type Approval, type Grant, killKey, type KillSwitch, type OutcomeRecord } from '../action.js';
import { OUTCOMES_KEPT, type RateLimitHit, type SharedSnapshot, type SharedState } from '../shared-state.js';

const copy = <T>(v: T): T => structuredClone(v);

export function createMemorySharedState(): SharedState {
  const hits = new Map<string, number[]>();
  const killsByScope = new Map<string, KillSwitch>();
  const grantsByAgent = new Map<string, Map<string, Grant>>();
  const deviationsByAgent = new Map<string, number>();
  const actions = new Map<string, ActionRecord>();
  const approvalsByAction = new Map<string, Approval[]>();
  const outcomesByKey = new Map<string, OutcomeRecord[]>();

  const live = (key: string, windowMs: number, now: number): number[] => {
    const kept = (hits.get(key) ?? []).filter((t) => t > now - windowMs);
    hits.set(key, kept);
    return kept;
  };

  return {
    snapshot(q): Promise<SharedSnapshot> {
      return Promise.resolve({
        kills: [...killsByScope.values()].map(copy),
        grants: [...(grantsByAgent.get(q.agent)?.values() ?? [])].map(copy),
        deviations: deviationsByAgent.get(q.agent) ?? 0,
        recentActions: live(q.rateKey, q.windowMs, q.now).length,
      });
    },
    hitRateLimit(q): Promise<RateLimitHit> {
      const kept = live(q.key, q.windowMs, q.now);
      if (kept.length >= q.limit) return Promise.resolve({ allowed: false, count: kept.length });
      kept.push(q.now);
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
      m.set(g.id, copy(g));
      grantsByAgent.set(g.agent, m);
      return Promise.resolve();
    },
    revokeGrant(agent, id) {
      return Promise.resolve(grantsByAgent.get(agent)?.delete(id) ?? false);
    },
    grants(agent) {
      return Promise.resolve([...(grantsByAgent.get(agent)?.values() ?? [])].map(copy));
    },
    addDeviation(agent) {
      const n = (deviationsByAgent.get(agent) ?? 0) + 1;
      deviationsByAgent.set(agent, n);
      return Promise.resolve(n);
    },
    createAction(r) {
      if (actions.has(r.id)) return Promise.reject(new Error(`action ${r.id} already exists`));
      actions.set(r.id, copy(r));
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
      const list = approvalsByAction.get(actionId) ?? [];
      const added = !list.some((x) => x.approver === a.approver);
      if (added) list.push(copy(a));
      approvalsByAction.set(actionId, list);
      return Promise.resolve({ added, approvals: list.map(copy) });
    },
    approvals(actionId) {
      return Promise.resolve((approvalsByAction.get(actionId) ?? []).map(copy));
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
