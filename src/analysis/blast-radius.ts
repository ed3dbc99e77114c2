/**
 * Blast radius (CONTRACT §6): what an action on one service reaches, as a pure function over a time
 * slice of the graph. The slice is read by `blast-radius-slice.ts`; nothing here does I/O.
 *
 * @example
 * const br = blastRadius({ kind: 'DEPLOY', service: 'db' }, slice);
 * br.services; // [{ service: 'db', depth: 0, critical: true }, { service: 'api', depth: 1, critical: true }, ...]
 * br.trafficShare; // 0.4: two fifths of the traffic entering production passes through db
 */
import type { DependencyState, ServiceState } from '../model/views.js';
import { byId } from '../model/order.js';

export const ACTION_KINDS = ['DEPLOY', 'CONFIG_CHANGE', 'RESTART', 'SCALE', 'ROLLBACK', 'MIGRATION'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** Zones whose services take traffic from outside production, whether or not a caller is recorded. */
export const EDGE_ZONES: ReadonlySet<string> = new Set(['edge', 'public', 'dmz']);

/** How a similar past action ended; `open` when it has no end yet. */
export type PastStatus = 'succeeded' | 'failed' | 'rolled_back' | 'open';

/** One earlier action of the same kind on the same service: a deploy, a config change or a recorded agent action. */
export interface PastAction {
  id: string;
  at: number;
  origin: 'deploy' | 'config' | 'action';
  status: PastStatus;
}

/**
 * An action, with what it touches beside its target when the caller says so (the fields of
 * `config.changed` that scope a setting, CONTRACT §1).
 */
export interface ActionScope {
  kind: ActionKind;
  service: string;
  /** Other services the change applies to as well: a setting they share. */
  services?: readonly string[] | undefined;
  /** The callee whose calls the action changes: a setting governs them, or a deploy adds or changes them. */
  dependency?: string | null | undefined;
  /**
   * For a CONFIG_CHANGE, the setting's key: the scope its latest change stated (`services`,
   * `dependency`) counts as the action's too, beside what the action states, and the history of
   * similar actions is that setting's changes only.
   */
  key?: string | null | undefined;
}

/**
 * Why a service is touched by the action itself rather than reached through callers: the target;
 * a service sharing the setting; the callee whose calls change (their volume and timing move onto
 * it); a database that takes what a cache no longer answers when the setting governs calls to that
 * cache (cache-aside: the TTL or the cache turned down sends the misses to the store behind it).
 */
export type TouchReason = 'target' | 'shared' | 'dependency' | 'cache-aside';

export interface TouchedService {
  service: string;
  reason: TouchReason;
  /** For `cache-aside`: the cache whose misses it takes; for `shared`, `dependency` and `target`, null. */
  via: string | null;
  /** Null when the action stated it; else the earlier change of the same setting whose scope it repeats. */
  from: string | null;
}

export interface BlastRadiusSlice {
  /** The target at the instant; null when it does not exist then. */
  target: ServiceState | null;
  /** What the action touches, the target first; every one of them exists at the instant. */
  touched: readonly TouchedService[];
  /** Services the action names (`services`, `dependency`) that do not exist at the instant. */
  missing: readonly string[];
  /** Every service reaching a touched service over dependencies valid at the instant, with its fewest hops to one (touched ones at 0). */
  reach: readonly { service: ServiceState; depth: number }[];
  /** Every dependency into a reached service (the in-neighbourhood traversal visits them all). */
  dependencies: readonly DependencyState[];
  /** Requests per second entering at each entry service of the whole graph (see `entryTraffic`). */
  entries: ReadonlyMap<string, number>;
  /** Earlier actions of the same kind on the target. */
  history: readonly PastAction[];
}

export interface ImpactedService {
  service: string;
  depth: number;
  /** Some path to a touched service consists of critical dependencies only: this service fails with it. */
  critical: boolean;
  /** Share (0..1) of this service's requests that pass through a touched service, by `rps` on its calls (1 for a touched one). */
  requestShare: number;
  tier: number | null;
  zone: string | null;
  team: string | null;
}

export interface SloAtRisk {
  service: string;
  objective: number;
  windowDays: number;
  /** The whole error budget of the window, in minutes of full outage. */
  errorBudgetMinutes: number;
  /** True when the service fails with what the action touches; false when it is only degraded. */
  fails: boolean;
}

export interface ActionHistory {
  count: number;
  failures: number;
  rollbacks: number;
  /** Of the finished ones; null when none has finished. */
  failureRate: number | null;
  rollbackRate: number | null;
  /** The most recent first, at most five. */
  recent: PastAction[];
}

export interface BlastRadius {
  kind: ActionKind;
  target: string;
  /** What the action touches itself: the target, and what its scope names or implies. */
  touched: TouchedService[];
  /** Every service that reaches a touched one, with its fewest hops to one. */
  services: ImpactedService[];
  /** Share (0..1) of the traffic entering production that passes through a touched service; null when no entry traffic is known. */
  trafficShare: number | null;
  entryServices: string[];
  /** Trust zones of the impacted services, the target's included. */
  zones: string[];
  /** Zones reached other than the target's own: the action's effects cross these boundaries. */
  zonesCrossed: string[];
  tier1: string[];
  slosAtRisk: SloAtRisk[];
  history: ActionHistory;
}

export type BlastRadiusResult = { ok: true; blastRadius: BlastRadius } | { ok: false; reason: 'unknown-service'; message: string };

/**
 * Requests per second entering production at each entry service. An entry has no callers, or sits in
 * an edge zone. What enters it is at least what its busiest dependency receives from it; an entry
 * with no known rps counts as 1, so that graphs without rps weigh entries equally.
 */
export function entryTraffic(services: readonly ServiceState[], dependencies: readonly DependencyState[]): Map<string, number> {
  const called = new Set<string>();
  const busiest = new Map<string, number>();
  for (const d of dependencies) {
    called.add(d.to);
    if (d.rps !== null) busiest.set(d.from, Math.max(busiest.get(d.from) ?? 0, d.rps));
  }
  const out = new Map<string, number>();
  for (const s of services) {
    if (called.has(s.id) && !(s.zone !== null && EDGE_ZONES.has(s.zone))) continue;
    out.set(s.id, busiest.get(s.id) ?? 1);
  }
  return out;
}

/**
 * The reverse graph of a slice, indexed once: each reached service gets a number, and each call into
 * a reached service is kept by its callee. Both walks below run over these arrays; with thousands
 * of callers, the maps and repeated passes they replace were most of a proposal's time.
 */
interface CallIndex {
  index: Map<string, number>;
  /** Per callee: the calls into it (indexes into `calls`). */
  into: number[][];
  /** Per caller: the calls it makes into reached services, other than those of touched services. */
  outOf: number[][];
  calls: { from: number; to: number; critical: boolean; weight: number }[];
}

function indexCalls(touched: ReadonlySet<string>, reached: readonly string[], dependencies: readonly DependencyState[], entries: ReadonlyMap<string, number>): CallIndex {
  const index = new Map<string, number>();
  for (const id of reached) if (!index.has(id)) index.set(id, index.size);
  const inbound = new Map<string, number>();
  for (const d of dependencies) if (d.rps !== null) inbound.set(d.to, (inbound.get(d.to) ?? 0) + d.rps);
  const into: number[][] = Array.from({ length: index.size }, () => []);
  const outOf: number[][] = Array.from({ length: index.size }, () => []);
  const calls: CallIndex['calls'] = [];
  for (const d of dependencies) {
    const from = index.get(d.from);
    const to = index.get(d.to);
    if (from === undefined || to === undefined) continue;
    const total = inbound.get(d.from) ?? entries.get(d.from) ?? 0;
    const weight = d.rps === null || total <= 0 ? 1 : Math.min(1, d.rps / total);
    const i = calls.push({ from, to, critical: d.critical, weight }) - 1;
    (into[to] as number[]).push(i);
    if (!touched.has(d.from)) (outOf[from] as number[]).push(i);
  }
  return { index, into, outOf, calls };
}

/** Hops over critical dependencies only, from the touched services outwards against the call direction. */
function criticalReach(touched: readonly number[], ix: CallIndex): Uint8Array {
  const seen = new Uint8Array(ix.index.size);
  for (const t of touched) seen[t] = 1;
  const stack = [...touched];
  while (stack.length > 0) {
    for (const c of ix.into[stack.pop() as number] as number[]) {
      const call = ix.calls[c] as CallIndex['calls'][number];
      if (call.critical && seen[call.from] === 0) {
        seen[call.from] = 1;
        stack.push(call.from);
      }
    }
  }
  return seen;
}

/**
 * The share of each reached service's requests that pass through a touched service. A call u→v carries
 * rps(u→v) / inbound(u) of u's requests (capped at 1: a fan-out sends every request down every
 * edge); a call without rps is assumed to carry all of them. Shares add up over u's calls, capped
 * at 1. The values only grow and are bounded, so a worklist that recomputes a caller whenever one
 * of its callees moved reaches the same least fixed point as whole passes, cycles included, while
 * touching each acyclic caller about once; the work is capped as 100 whole passes would be.
 */
function passThrough(touched: readonly number[], ix: CallIndex): Float64Array {
  const share = new Float64Array(ix.index.size);
  const source = new Uint8Array(ix.index.size);
  for (const t of touched) {
    share[t] = 1;
    source[t] = 1;
  }
  const queued = new Uint8Array(ix.index.size);
  const queue: number[] = [];
  const enqueueCallers = (v: number): void => {
    for (const c of ix.into[v] as number[]) {
      const u = (ix.calls[c] as CallIndex['calls'][number]).from;
      if (source[u] === 0 && queued[u] === 0) {
        queued[u] = 1;
        queue.push(u);
      }
    }
  };
  for (const t of touched) enqueueCallers(t);
  let budget = 100 * Math.max(1, ix.calls.length);
  for (let head = 0; head < queue.length && budget > 0; head++) {
    const u = queue[head] as number;
    queued[u] = 0;
    let sum = 0;
    for (const c of ix.outOf[u] as number[]) {
      const call = ix.calls[c] as CallIndex['calls'][number];
      sum += call.weight * (share[call.to] as number);
    }
    budget -= (ix.outOf[u] as number[]).length + 1;
    const next = Math.min(1, sum);
    if (Math.abs(next - (share[u] as number)) > 1e-9) {
      share[u] = next;
      enqueueCallers(u);
    }
    // Keep the queue from growing without bound on long cycles: drop what was consumed.
    if (head > 4096 && head * 2 > queue.length) {
      queue.splice(0, head + 1);
      head = -1;
    }
  }
  return share;
}

/** Count, failure and rollback rates of earlier similar actions; the rates are over finished ones. */
export function summariseHistory(history: readonly PastAction[]): ActionHistory {
  const finished = history.filter((h) => h.status !== 'open');
  const failures = finished.filter((h) => h.status === 'failed').length;
  const rollbacks = finished.filter((h) => h.status === 'rolled_back').length;
  const rate = (n: number): number | null => (finished.length === 0 ? null : n / finished.length);
  return {
    count: history.length,
    failures,
    rollbacks,
    failureRate: rate(failures),
    rollbackRate: rate(rollbacks),
    recent: [...history].sort((a, b) => b.at - a.at || byId(a.id, b.id)).slice(0, 5),
  };
}

/** What an action reaches: everything that calls, directly or not, what it touches (the slice's `touched`). */
export function blastRadius(action: ActionScope, slice: BlastRadiusSlice): BlastRadiusResult {
  const target = slice.target;
  if (!target) return { ok: false, reason: 'unknown-service', message: `service ${JSON.stringify(action.service)} does not exist at that time` };
  if (slice.missing.length > 0) {
    const named = slice.missing.map((m) => `${JSON.stringify(m)} (${m === action.dependency ? 'dependency' : 'services'})`).join(', ');
    return { ok: false, reason: 'unknown-service', message: `${slice.missing.length === 1 ? 'service' : 'services'} ${named} ${slice.missing.length === 1 ? 'does' : 'do'} not exist at that time` };
  }
  const touchedIds = new Set(slice.touched.map((t) => t.service));
  const ix = indexCalls(touchedIds, slice.reach.map((r) => r.service.id), slice.dependencies, slice.entries);
  const sources = [...touchedIds].flatMap((id) => {
    const i = ix.index.get(id);
    return i === undefined ? [] : [i];
  });
  const criticalFlags = criticalReach(sources, ix);
  const isCritical = (id: string): boolean => criticalFlags[ix.index.get(id) ?? -1] === 1;
  const share = passThrough(sources, ix);
  const services: ImpactedService[] = slice.reach
    .map(({ service: s, depth }) => ({ service: s.id, depth, critical: isCritical(s.id), requestShare: share[ix.index.get(s.id) ?? -1] ?? 0, tier: s.tier, zone: s.zone, team: s.team }))
    .sort((a, b) => a.depth - b.depth || Number(b.service === target.id) - Number(a.service === target.id) || byId(a.service, b.service));

  let total = 0;
  for (const v of slice.entries.values()) total += v;
  const entryServices = services.filter((s) => slice.entries.has(s.service)).map((s) => s.service);
  let affected = 0;
  for (const e of entryServices) affected += (slice.entries.get(e) ?? 0) * (share[ix.index.get(e) ?? -1] ?? 0);

  const zones = [...new Set(services.flatMap((s) => (s.zone === null ? [] : [s.zone])))].sort(byId);
  const slosAtRisk: SloAtRisk[] = slice.reach.flatMap(({ service: s }) =>
    s.slo === null
      ? []
      : [{
          service: s.id,
          objective: s.slo.objective,
          windowDays: s.slo.windowDays,
          errorBudgetMinutes: (1 - s.slo.objective) * s.slo.windowDays * 24 * 60,
          fails: isCritical(s.id),
        }],
  );
  slosAtRisk.sort((a, b) => Number(b.fails) - Number(a.fails) || byId(a.service, b.service));
  return {
    ok: true,
    blastRadius: {
      kind: action.kind,
      target: target.id,
      touched: [...slice.touched],
      services,
      trafficShare: total > 0 ? Math.min(1, affected / total) : null,
      entryServices,
      zones,
      zonesCrossed: zones.filter((z) => z !== target.zone),
      tier1: services.filter((s) => s.tier === 1).map((s) => s.service),
      slosAtRisk,
      history: summariseHistory(slice.history),
    },
  };
}
