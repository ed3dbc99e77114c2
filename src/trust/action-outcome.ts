/**
 * What an agent action turned out to affect, read from its action facts (`action.executed`,
 * `action.outcome`) and the alerts that fired while it ran: what a blast-radius prediction is
 * scored against. Pure.
 *
 * @example
 * const end = actionEnd(factsOfTheAction);            // { status: 'reverted', executedAt, outcomeAt }
 * const seen = observedServices(end, 'cart', alerts, near);
 * settleBlastRadius(prediction, seen, now);
 */
import type { TrustFact } from './trust-facts.js';

export type ActionEndStatus = 'succeeded' | 'failed' | 'reverted';

export interface ActionEnd {
  status: ActionEndStatus;
  /** When it was executed; null when the outcome came without an execution on record. */
  executedAt: number | null;
  outcomeAt: number;
}

const ENDS: readonly string[] = ['succeeded', 'failed', 'reverted'];

/** The action's outcome once one has arrived, else null; `facts` are the action's own, oldest first. */
export function actionEnd(facts: readonly TrustFact[]): ActionEnd | null {
  let executedAt: number | null = null;
  let end: ActionEnd | null = null;
  // Each phase happened at its fact's own valid time.
  for (const f of facts) {
    if (f.kind !== 'action') continue;
    const status = f.attrs.status;
    if (status === 'executed') executedAt = f.at;
    if (typeof status === 'string' && ENDS.includes(status)) end = { status: status as ActionEndStatus, executedAt: null, outcomeAt: f.at };
  }
  return end ? { ...end, executedAt } : null;
}

/**
 * The services the action was seen to affect: its target when it failed or was reverted, and every
 * service near it (`near`: connected to the target in the graph) on which an alert fired while it
 * ran. Alerts on services the graph does not connect to the target cannot be the action's doing.
 */
export function observedServices(end: ActionEnd, target: string, alertsFired: readonly { services: readonly string[] }[], near: ReadonlySet<string>): string[] {
  const out = new Set<string>(end.status === 'succeeded' ? [] : [target]);
  for (const a of alertsFired) for (const s of a.services) if (s === target || near.has(s)) out.add(s);
  return [...out].sort();
}
