/**
 * `ctxgraph why`: a root-cause answer as text for a terminal, and the GraphQL query that fetches
 * it. Pure: the command (why-command.ts) sends the query and prints what this returns.
 */

/** The query `why` sends; its variables are `incident`, or `services` and `at`, and `limit`. */
export const WHY_QUERY = `query Why($incident: ID, $services: [ID!], $at: DateTime, $limit: Int) {
  rootCause(incident: $incident, services: $services, at: $at, limit: $limit) {
    incident at symptomStart lookbackFrom
    failing { service since signals reportedBy }
    candidates { rank cause { kind id } service confidence hops { cause { kind id } effect { kind id } evidence } evidence remedy { kind service why done } }
    ruledOutCount ruledOut(limit: 5) { cause { kind id } reason }
  }
}`;

interface Ref {
  kind: string;
  id: string;
}

export interface WhyAnswer {
  incident: string;
  at: string;
  symptomStart: string;
  lookbackFrom: string;
  failing: { service: string; since: string; signals: string[]; reportedBy: string[] }[];
  candidates: { rank: number; cause: Ref; service: string; confidence: number; hops: { cause: Ref; effect: Ref; evidence: string[] }[]; evidence: string[]; remedy?: { kind: string; service: string; why: string; done?: string | null } | null }[];
  ruledOutCount: number;
  ruledOut: { cause: Ref; reason: string }[];
}

const KIND_TEXT: Record<string, string> = { DEPLOY: 'deploy', CONFIG: 'config change', ALERT: 'alert', INCIDENT: 'incident' };
const name = (r: Ref): string => (r.kind === 'SERVICE' ? r.id : `${KIND_TEXT[r.kind] ?? r.kind.toLowerCase()} ${r.id}`);
const pct = (p: number): string => `${Math.round(p * 100)}%`;

/** The answer as lines: what failed, then each candidate with its chain hop by hop and its remedy, then what was ruled out. */
export function whyReport(a: WhyAnswer): string {
  const out: string[] = [`${a.incident}: read at ${a.at}, first symptom at ${a.symptomStart}, changes since ${a.lookbackFrom}`];
  if (a.failing.length === 0) out.push('', 'Nothing in the episode is known to be failing: no alert corroborates the symptoms.');
  else {
    out.push('', 'Failing, earliest first:');
    for (const f of a.failing) {
      const what = [f.signals.length > 0 ? f.signals.join(', ') : null, f.reportedBy.length > 0 ? `reported by ${f.reportedBy.join(', ')}` : null].filter((x) => x !== null).join('; ');
      out.push(`  ${f.since}  ${f.service} (${what})`);
    }
  }
  if (a.candidates.length === 0) out.push('', 'No candidate cause.');
  for (const c of a.candidates) {
    const where = c.cause.kind === 'SERVICE' && c.cause.id === c.service ? '' : ` (in ${c.service})`;
    out.push('', `${c.rank}. ${name(c.cause)}${where}, confidence ${pct(c.confidence)}`);
    if (c.hops.length === 0) for (const e of c.evidence) out.push(`     ${e}`);
    for (const h of c.hops) {
      out.push(`   ${name(h.cause)} -> ${name(h.effect)}`);
      for (const e of h.evidence) out.push(`     ${e}`);
    }
    if (c.remedy) out.push(`   remedy: ${c.remedy.kind} ${c.remedy.service}: ${c.remedy.why}${c.remedy.done ? ` (done: ${c.remedy.done})` : ''}`);
  }
  if (a.ruledOutCount > 0) {
    out.push('', `Ruled out (${a.ruledOutCount}${a.ruledOutCount > a.ruledOut.length ? `, latest ${a.ruledOut.length} shown` : ''}):`);
    for (const r of a.ruledOut) out.push(`  ${r.reason}`);
  }
  return out.join('\n');
}
