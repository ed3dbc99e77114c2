/**
 * From drafts to a ranking: causal links remembered from past postmortems, a log-linear score over
 * the features, and confidences (root-cause-confidence.ts) that fall with rank and sum to at most 1.
 */
import type { EntityRef } from '../../schema/events.js';
import type { CausalLinkState } from '../model/views.js';
import type { Draft } from './root-cause-candidates.js';
import { confidences } from './root-cause-confidence.js';
import { linkLine } from './root-cause-evidence.js';
import type { RankedCandidate, RootCauseHop, RootCauseWeights } from './root-cause-types.js';

export const same = (a: EntityRef, b: EntityRef): boolean => a.kind === b.kind && a.id === b.id;

/** The chain as entities: the cause, then the services from where it acts up to the symptom. */
export function chainRefs(d: Draft): EntityRef[] {
  const services: EntityRef[] = d.chain.services.map((id) => ({ kind: 'service', id }));
  return d.cause.kind === 'service' && d.chain.services[0] === d.cause.id ? services : [d.cause, ...services];
}

/** Remembered links by their cause, each with its place in the list (evidence keeps that order). */
export type LinkIndex = Map<string, { at: number; link: CausalLinkState }[]>;

const refKey = (r: EntityRef): string => `${r.kind}\u0000${r.id}`;

export function indexLinks(links: readonly CausalLinkState[]): LinkIndex {
  const byCause: LinkIndex = new Map();
  links.forEach((link, at) => {
    const k = refKey(link.cause);
    (byCause.get(k) ?? byCause.set(k, []).get(k))?.push({ at, link });
  });
  return byCause;
}

/** A link matches a chain when its cause comes before its effect along it. */
export function applyLinks(d: Draft, chain: readonly EntityRef[], links: LinkIndex): void {
  if (links.size === 0) return;
  const touching = [...new Set(chain.flatMap((r) => links.get(refKey(r)) ?? []))].sort((a, b) => a.at - b.at);
  for (const { link: l } of touching) {
    const i = chain.findIndex((r) => same(r, l.cause));
    if (i < 0 || !chain.slice(i + 1).some((r) => same(r, l.effect))) continue;
    const f = l.verdict === 'confirmed' ? 'confirmedLink' : 'rejectedLink';
    d.features[f] = (d.features[f] ?? 0) + 1;
    d.evidence.push(linkLine(l));
  }
}

export function score(d: Draft, w: RootCauseWeights): number {
  let s = 0;
  for (const [k, v] of Object.entries(d.features) as [keyof RootCauseWeights, number][]) s += w[k] * v;
  return s;
}

const order = (a: { score: number; d: Draft }, b: { score: number; d: Draft }): number =>
  b.score - a.score ||
  (a.d.cause.kind < b.d.cause.kind ? -1 : a.d.cause.kind > b.d.cause.kind ? 1 : a.d.cause.id < b.d.cause.id ? -1 : a.d.cause.id > b.d.cause.id ? 1 : 0);

/** A draft with its chain, its score, and its share of a softmax over every draft's score. */
export interface Scored {
  d: Draft;
  chain: EntityRef[];
  score: number;
  share: number;
}

/** Scores drafts and sorts them best first; ties break on the cause's kind and id so the answer is deterministic. */
export function scoreDrafts(drafts: readonly Draft[], links: readonly CausalLinkState[], w: RootCauseWeights): Scored[] {
  const byCause = indexLinks(links);
  const scored = drafts.map((d) => {
    const chain = chainRefs(d);
    applyLinks(d, chain, byCause);
    return { d, chain, score: score(d, w), share: 0 };
  });
  scored.sort(order);
  const top = scored[0]?.score ?? 0;
  let total = 0;
  for (const s of scored) total += Math.exp((s.score - top) / w.temperature);
  for (const s of scored) s.share = Math.exp((s.score - top) / w.temperature) / total;
  return scored;
}

/** How many of the `failing` services (anomalies in the episode) a chain leaves out. */
export function unexplainedBy(chain: readonly EntityRef[], failing: Iterable<string>): number {
  const onChain = new Set(chain.filter((r) => r.kind === 'service').map((r) => r.id));
  let n = 0;
  for (const f of failing) if (!onChain.has(f)) n++;
  return n;
}

/**
 * Ranks drafts, best first, with their confidences. `failing` is every service with anomalies in
 * the episode: those the top chain leaves out make its confidence lower.
 */
export function rank(
  drafts: readonly Draft[],
  links: readonly CausalLinkState[],
  w: RootCauseWeights,
  limit: number,
  failing: Iterable<string>,
  hops: (d: Draft, chain: EntityRef[]) => RootCauseHop[],
): RankedCandidate[] {
  const scored = scoreDrafts(drafts, links, w);
  const best = scored[0];
  if (!best) return [];
  const kept = scored.slice(0, limit);
  const conf = confidences(
    kept.map((s) => s.share),
    { score: best.score, unexplained: unexplainedBy(best.chain, failing) },
  );
  return kept.map((s, i) => ({
    rank: i + 1,
    cause: s.d.cause,
    service: s.d.service,
    confidence: conf[i] as number,
    chain: s.chain,
    evidence: s.d.evidence,
    hops: hops(s.d, s.chain),
    score: s.score,
  }));
}
