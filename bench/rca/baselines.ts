/**
 * Baselines an on-call engineer could use instead, run on the same slices as ctxgraph:
 * the most recent change, the most anomalous service, and a PageRank-style random walk over the
 * dependency graph weighted by anomalies (in the spirit of MicroRCA).
 */
import type { EntityRef } from '../../schema/events.js';
import type { RootCauseSlice } from '../../src/analysis/root-cause-types.js';

export interface Ranked {
  cause: EntityRef;
  service: string;
}

/** Changes (deploys and config changes) up to the incident, newest first. */
export function mostRecentChange(s: RootCauseSlice): Ranked[] {
  const changes: { at: number; cause: EntityRef; service: string }[] = [
    ...s.deploys.map((d) => ({ at: d.startedAt, cause: { kind: 'deploy' as const, id: d.id }, service: d.service })),
    ...s.configChanges.map((c) => ({ at: c.at, cause: { kind: 'config' as const, id: c.id }, service: c.service })),
  ].filter((c) => c.at <= s.at);
  changes.sort((a, b) => b.at - a.at || (a.cause.id < b.cause.id ? -1 : 1));
  return changes.map(({ cause, service }) => ({ cause, service }));
}

/** Per service: alerts in the last three hours before the incident, its own and those naming it. */
export function anomalyScores(s: RootCauseSlice, windowMs = 3 * 3_600_000): Map<string, number> {
  const score = new Map<string, number>();
  for (const a of s.alerts) {
    if (a.firedAt < s.at - windowMs || a.signal === 'traffic') continue;
    const w = a.severity === 'critical' ? 2 : 1;
    score.set(a.service, (score.get(a.service) ?? 0) + w);
    if (a.dependency !== null) score.set(a.dependency, (score.get(a.dependency) ?? 0) + w);
  }
  return score;
}

export function mostAnomalous(s: RootCauseSlice): Ranked[] {
  return [...anomalyScores(s)]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([id]) => ({ cause: { kind: 'service', id }, service: id }));
}

/**
 * A random walk from the symptoms down the call graph, each step drawn toward more anomalous
 * callees, with a little backtracking and a self-loop when a service is worse than everything it
 * calls; services are ranked by how often the walk stays on them.
 */
export function pageRank(s: RootCauseSlice, iterations = 40, damping = 0.85, back = 0.3): Ranked[] {
  const anom = anomalyScores(s);
  const ids = s.services.map((x) => x.id);
  const idx = new Map(ids.map((id, i) => [id, i]));
  const eps = 0.01;
  const w = (id: string): number => (anom.get(id) ?? 0) + eps;
  const out: { to: number; p: number }[][] = ids.map(() => []);
  const callees = new Map<string, string[]>();
  const callers = new Map<string, string[]>();
  for (const d of s.dependencies) {
    (callees.get(d.from) ?? callees.set(d.from, []).get(d.from))?.push(d.to);
    (callers.get(d.to) ?? callers.set(d.to, []).get(d.to))?.push(d.from);
  }
  ids.forEach((id, i) => {
    const edges: { to: number; p: number }[] = [];
    let maxDown = 0;
    for (const c of callees.get(id) ?? []) {
      edges.push({ to: idx.get(c) as number, p: w(c) });
      maxDown = Math.max(maxDown, w(c));
    }
    for (const c of callers.get(id) ?? []) edges.push({ to: idx.get(c) as number, p: back * w(c) });
    edges.push({ to: i, p: Math.max(0, w(id) - maxDown) });
    const total = edges.reduce((a, e) => a + e.p, 0);
    out[i] = total > 0 ? edges.map((e) => ({ to: e.to, p: e.p / total })) : [{ to: i, p: 1 }];
  });
  const teleport = ids.map((id) => (s.symptoms.includes(id) ? 1 / s.symptoms.length : 0));
  let rank = [...teleport];
  for (let k = 0; k < iterations; k++) {
    const next = teleport.map((t) => (1 - damping) * t);
    rank.forEach((r, i) => {
      for (const e of out[i] ?? []) next[e.to] = (next[e.to] ?? 0) + damping * r * e.p;
    });
    rank = next;
  }
  return ids
    .map((id, i) => ({ id, r: (rank[i] ?? 0) * (anom.has(id) ? 1 : 0.01) }))
    .sort((a, b) => b.r - a.r || (a.id < b.id ? -1 : 1))
    .map(({ id }) => ({ cause: { kind: 'service', id }, service: id }));
}

export const BASELINES: Record<string, (s: RootCauseSlice) => Ranked[]> = {
  'most-recent-change': mostRecentChange,
  'most-anomalous': mostAnomalous,
  pagerank: pageRank,
};
