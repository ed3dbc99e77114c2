/**
 * The chain hop by hop, each hop with the facts that support it: for a change, the change taking
 * effect where its chain starts; for a failure climbing from a service to one that calls it, the
 * dependency valid at the time, the order of their failures, the caller's reports of failing calls,
 * and postmortem verdicts on that very link. Built for the candidates an answer returns only.
 */
import type { EntityRef } from '../../schema/events.js';
import type { Context, Draft } from './root-cause-candidates.js';
import * as ev from './root-cause-evidence.js';
import { same } from './root-cause-scoring.js';
import type { RootCauseHop } from './root-cause-types.js';

export function hopsOf(ctx: Context, d: Draft, chain: readonly EntityRef[]): RootCauseHop[] {
  const { an } = ctx;
  const hops: RootCauseHop[] = [];
  for (let i = 0; i + 1 < chain.length; i++) {
    const cause = chain[i] as EntityRef;
    const effect = chain[i + 1] as EntityRef;
    const evidence: string[] = [];
    if (cause.kind !== 'service') {
      evidence.push(...(d.effect ?? []));
    } else {
      // Failures climb calls: the effect calls the cause.
      evidence.push(ev.pathLine([cause.id, effect.id], ctx.slice.at));
      const below = an.byService.get(cause.id);
      const above = an.byService.get(effect.id);
      if (below && above && above.onset >= below.onset - an.timing.toleranceMs) evidence.push(ev.orderLine(below, above));
      const reported = below?.blamedBy.get(effect.id);
      if (reported !== undefined) evidence.push(ev.blameLine(cause.id, effect.id, reported));
    }
    for (const l of ctx.slice.causalLinks) if (same(l.cause, cause) && same(l.effect, effect)) evidence.push(ev.linkLine(l));
    hops.push({ cause, effect, evidence });
  }
  return hops;
}
