/** The in-process trust store: maps in memory, for one process and for tests. */
import type { LadderState, LadderTransition } from '../trust/ladder.js';
import { hasProvenance, type Prediction, type PredictionOutcome } from '../trust/provenance.js';
import type { DecisionSummary, PredictionFilter, TrustStore } from './trust-store.js';

const ladderKey = (agent: string, service: string): string => `${agent}\u001f${service}`;

function matches(p: Prediction, f: PredictionFilter): boolean {
  return (
    (f.id === undefined || p.id === f.id) &&
    (f.service === undefined || p.service === f.service) &&
    (f.authorId === undefined || p.author.id === f.authorId) &&
    (f.incident === undefined || p.incident === f.incident) &&
    (f.action === undefined || p.action === f.action) &&
    (f.kind === undefined || p.kind === f.kind) &&
    (f.mode === undefined || p.mode === f.mode) &&
    (f.settled === undefined || (p.outcome !== null) === f.settled) &&
    (f.from === undefined || p.recordedAt >= f.from)
  );
}

/**
 * Copies of what the store keeps, so that no caller shares its objects. By hand: every prediction
 * about a service is read on each trust verdict, and structuredClone cost some 40 times more (a
 * prediction reaching 200 services: 13 to 16 us against 0.3 to 0.4 us).
 */
const copyOutcome = (o: PredictionOutcome | null): PredictionOutcome | null => (o === null ? null : { ...o, truth: [...o.truth] });
const copyPrediction = (p: Prediction): Prediction => ({
  ...p,
  author: { ...p.author },
  evidence: [...p.evidence],
  candidates: p.candidates.map((c) => ({ ...c, cause: { ...c.cause } })),
  impacted: [...p.impacted],
  outcome: copyOutcome(p.outcome),
});
const copyTransition = (t: LadderTransition): LadderTransition => ({ ...t, by: { ...t.by }, checks: t.checks.map((c) => ({ ...c })) });

/** Adds `id` to the list kept under `key`. */
function index(by: Map<string, string[]>, key: string | null, id: string): void {
  if (key === null) return;
  const ids = by.get(key);
  if (ids) ids.push(id);
  else by.set(key, [id]);
}

export function createMemoryTrustStore(): TrustStore {
  const predictions = new Map<string, Prediction>();
  // Every proposal adds a prediction: a question about one service or action reads only its own.
  const byService = new Map<string, string[]>();
  const byAction = new Map<string, string[]>();
  // Kept as predictions arrive (what they count never changes once recorded).
  const decisions = new Map<string, DecisionSummary>();
  /** The predictions a filter can match, found through its most selective key. */
  const candidates = (f: PredictionFilter): Iterable<Prediction> => {
    const ids = f.id !== undefined ? [f.id] : f.action !== undefined ? (byAction.get(f.action) ?? []) : f.service !== undefined ? (byService.get(f.service) ?? []) : null;
    if (ids === null) return predictions.values();
    return ids.flatMap((id) => predictions.get(id) ?? []);
  };
  const ladders = new Map<string, LadderState>();
  const audit: LadderTransition[] = [];
  // Each trust verdict reads the transitions of one agent on one service.
  const auditByLadder = new Map<string, LadderTransition[]>();
  return {
    writesGraphEvents: false,
    putPrediction(p) {
      if (predictions.has(p.id)) return Promise.resolve(false);
      predictions.set(p.id, copyPrediction(p));
      index(byService, p.service, p.id);
      index(byAction, p.action, p.id);
      const d = decisions.get(p.service) ?? { total: 0, withProvenance: 0, firstShadowAt: null };
      decisions.set(p.service, {
        total: d.total + 1,
        withProvenance: d.withProvenance + (hasProvenance(p) ? 1 : 0),
        firstShadowAt: p.mode !== 'shadow' ? d.firstShadowAt : Math.min(d.firstShadowAt ?? Infinity, p.recordedAt),
      });
      return Promise.resolve(true);
    },
    predictions(f) {
      // By when they were made, then id: the order a store rebuilt from the graph gives too, whatever the arrival order.
      const found = [...candidates(f)].filter((p) => matches(p, f));
      found.sort((a, b) => a.recordedAt - b.recordedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return Promise.resolve(found.map(copyPrediction));
    },
    decisions(service) {
      return Promise.resolve({ ...(decisions.get(service) ?? { total: 0, withProvenance: 0, firstShadowAt: null }) });
    },
    settle(id, outcome) {
      const p = predictions.get(id);
      if (!p || p.outcome !== null) return Promise.resolve(false);
      predictions.set(id, { ...p, outcome: copyOutcome(outcome) });
      return Promise.resolve(true);
    },
    ladder(agent, service) {
      const s = ladders.get(ladderKey(agent, service));
      return Promise.resolve(s ? { ...s } : null);
    },
    ladders(f) {
      const found = [...ladders.values()].filter((s) => (f.agent === undefined || s.agent === f.agent) && (f.service === undefined || s.service === f.service));
      found.sort((a, b) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
      return Promise.resolve(found.map((s) => ({ ...s })));
    },
    transition(next, expectedVersion, entry) {
      const key = ladderKey(next.agent, next.service);
      if ((ladders.get(key)?.version ?? 0) !== expectedVersion) return Promise.resolve(false);
      ladders.set(key, { ...next });
      const kept = copyTransition(entry);
      audit.push(kept);
      const mine = auditByLadder.get(ladderKey(kept.agent, kept.service));
      if (mine) mine.push(kept);
      else auditByLadder.set(ladderKey(kept.agent, kept.service), [kept]);
      return Promise.resolve(true);
    },
    transitions(f) {
      const from = f.agent !== undefined && f.service !== undefined ? (auditByLadder.get(ladderKey(f.agent, f.service)) ?? []) : audit;
      return Promise.resolve(from.filter((t) => (f.agent === undefined || t.agent === f.agent) && (f.service === undefined || t.service === f.service)).map(copyTransition));
    },
  };
}
