/**
 * Similar past incidents: confirmed chains are reused. A resolved incident whose chain follows the
 * same services, whose cause was of the same kind on the same service, or whose symptoms overlap,
 * is offered with what resolved it. Pure.
 *
 * @example
 * similarIncidents({ incident, chain: analysis.candidates[0]?.chain ?? [] }, pastResolved, 5);
 * // [{ incident: 'inc-3', score: 0.9, reasons: ['same chain of services: cache -> api'], rootCause, chain, notes }]
 */
import type { EntityRef } from '../../schema/events.js';
import type { CausalLinkState, IncidentState } from '../model/views.js';
import { refKey } from './change-outcomes.js';
import { truthOf } from './provenance.js';

export interface SimilarIncident {
  incident: IncidentState;
  /** 0..1, higher is closer. */
  score: number;
  reasons: string[];
  /** What resolved it: its root cause and chain, and the notes on its confirmed links. */
  rootCause: EntityRef | null;
  chain: EntityRef[];
  notes: string[];
}

/** The services a chain passes through, in order; a chain's head that is a change adds nothing. */
const servicePath = (chain: readonly EntityRef[]): string[] => chain.filter((r) => r.kind === 'service').map((r) => r.id);

function jaccard(a: readonly string[], b: readonly string[]): number {
  const A = new Set(a);
  const B = new Set(b);
  const inter = [...A].filter((x) => B.has(x)).length;
  const union = new Set([...A, ...B]).size;
  return union === 0 ? 0 : inter / union;
}

const WEIGHTS = { path: 0.5, cause: 0.3, symptoms: 0.2 };

export function similarIncidents(
  target: { incident: IncidentState; chain: readonly EntityRef[] },
  resolved: readonly IncidentState[],
  links: readonly CausalLinkState[],
  limit: number,
): SimilarIncident[] {
  const path = servicePath(target.chain);
  const head = target.chain[0] ?? null;
  const causeService = path[0] ?? null;
  const out: SimilarIncident[] = [];
  for (const past of resolved) {
    if (past.id === target.incident.id || past.open) continue;
    const confirmed = links.filter((l) => l.incident === past.id && l.verdict === 'confirmed');
    const chain = past.chain.length > 0 ? past.chain : confirmed.length > 0 ? [confirmed[0]?.cause as EntityRef, ...confirmed.map((l) => l.effect)] : [];
    const pastPath = servicePath(chain);
    const reasons: string[] = [];
    let score = 0;
    if (path.length > 0 && pastPath.length > 0) {
      const same = path.length === pastPath.length && path.every((s, i) => s === pastPath[i]);
      const overlap = same ? 1 : jaccard(path, pastPath);
      if (overlap > 0) {
        score += WEIGHTS.path * overlap;
        reasons.push(same ? `same chain of services: ${path.join(' -> ')}` : `chains share services: ${pastPath.filter((s) => path.includes(s)).join(', ')}`);
      }
    }
    const truth = truthOf({ rootCause: past.rootCause, chain });
    if (head && truth && head.kind === truth.kind && causeService !== null && pastPath[0] === causeService) {
      score += WEIGHTS.cause;
      reasons.push(`a ${truth.kind} on ${causeService} was the cause (${refKey(truth)})`);
    }
    const sym = jaccard(target.incident.services, past.services);
    if (sym > 0) {
      score += WEIGHTS.symptoms * sym;
      reasons.push(`symptoms overlap: ${past.services.filter((s) => target.incident.services.includes(s)).join(', ')}`);
    }
    if (score === 0) continue;
    out.push({ incident: past, score, reasons, rootCause: truth, chain, notes: confirmed.map((l) => l.note).filter((n): n is string => n !== null) });
  }
  return out.sort((a, b) => b.score - a.score || (a.incident.id < b.incident.id ? -1 : 1)).slice(0, limit);
}
