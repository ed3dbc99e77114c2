/**
 * The incident primitive: what an action means for the incidents open when it is proposed. Pure:
 * `open-incidents.ts` reads the open incidents and their likeliest causes.
 *
 * An action that touches a service failing in an open incident, but not the service where that
 * incident's likeliest cause lies, treats a symptom: a restart or a rollback there rarely helps and
 * can hide the evidence. The policy says what that needs (`incidents.symptom`, default `allow`: the
 * line is then said, not enforced). An action on the cause's service gets a line saying so.
 *
 * @example
 * incidentLine(['checkout'], [{ id: 'INC-7', title: null, failing: ['checkout', 'web'], cause: { kind: 'deploy', id: 'd1', service: 'inventory', confidence: 0.9 }, by: 'analysis' }], 'approval');
 * // { primitive: 'incident', outcome: 'REQUIRE_APPROVAL', message: 'checkout is failing in open incident INC-7, whose likeliest cause is deploy d1 on inventory (confidence 0.90, ctxgraph's analysis): the action does not touch it' }
 */
import type { PrimitiveLine, Verdict } from './action.js';

export interface OpenIncident {
  id: string;
  title: string | null;
  /** What is failing in it: its symptom services and the services on its likeliest cause's chain. */
  failing: string[];
  /** Its likeliest cause; null when none is known yet. */
  cause: { kind: string; id: string; service: string; confidence: number | null } | null;
  /** Who names the cause: a person (the incident's recorded root cause) or ctxgraph's analysis. */
  by: 'person' | 'analysis';
  /** What ctxgraph's analysis would do about the cause, when it has a remedy that still applies. */
  remedy?: { kind: string; service: string; why: string } | null;
}

export type SymptomPolicy = 'allow' | 'approval' | 'deny';

const OUTCOME: Record<SymptomPolicy, Verdict> = { allow: 'ALLOW', approval: 'REQUIRE_APPROVAL', deny: 'DENY' };
/** Incidents named in one line, at most. */
const MAX_NAMED = 3;

function causeText(i: OpenIncident): string {
  const c = i.cause;
  if (!c) return 'no cause found yet';
  const how = i.by === 'person' ? 'named by a person' : `confidence ${(c.confidence ?? 0).toFixed(2)}, ctxgraph's analysis`;
  return `${c.kind} ${c.id} on ${c.service} (${how})`;
}

/** The incident primitive's line for an action touching `touched`; null when no open incident is concerned. */
export function incidentLine(touched: readonly string[], incidents: readonly OpenIncident[], symptom: SymptomPolicy): PrimitiveLine | null {
  const mine = new Set(touched);
  const onCause = incidents.filter((i) => i.cause !== null && mine.has(i.cause.service));
  const onSymptom = incidents.filter((i) => !onCause.includes(i) && i.failing.some((s) => mine.has(s)));
  const named = (xs: readonly OpenIncident[], line: (i: OpenIncident) => string): string =>
    [...xs.slice(0, MAX_NAMED).map(line), ...(xs.length > MAX_NAMED ? [`and ${xs.length - MAX_NAMED} more`] : [])].join('; ');
  if (onSymptom.length > 0) {
    const message = named(onSymptom, (i) => {
      const where = i.failing.filter((s) => mine.has(s)).join(', ');
      const remedy = i.remedy ? `; its remedy: ${i.remedy.kind} ${i.remedy.service} (${i.remedy.why})` : '';
      return `${where} ${where.includes(', ') ? 'are' : 'is'} failing in open incident ${i.id}, whose likeliest cause is ${causeText(i)}: the action does not touch it${remedy}`;
    });
    return { primitive: 'incident', outcome: OUTCOME[symptom], message };
  }
  if (onCause.length > 0) {
    return { primitive: 'incident', outcome: 'ALLOW', message: named(onCause, (i) => `acts where open incident ${i.id}'s likeliest cause lies: ${causeText(i)}`) };
  }
  return null;
}
