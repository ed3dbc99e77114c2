/**
 * One line a person can read for each change, derived from its event type and attributes.
 *
 * @example
 * summarize(change) // "deploy d-12 of checkout: v1.4.2 (from v1.4.1)"
 */
import type { Json } from '../model/facts.js';
import { splitId } from '../model/facts.js';
import type { Change } from '../store/graph-store.js';

const text = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null);
const show = (v: Json | undefined): string => JSON.stringify(v ?? null);

function refText(v: Json | undefined): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return `${text(v.kind) ?? '?'} ${text(v.id) ?? '?'}`;
  return '?';
}

/** The attributes an upsert set, as `name value` pairs, leaving out bookkeeping. */
function setAttrs(attrs: Change['attrs'], skip: readonly string[]): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (skip.includes(k)) continue;
    parts.push(`${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

export function summarize(c: Change): string {
  const a = c.attrs;
  const service = text(a.service) ?? c.services[0] ?? '?';
  switch (c.type) {
    case 'service.upserted':
      return `service ${c.entity} upserted${setAttrs(a, ['present'])}`;
    case 'service.retired':
      return `service ${c.entity} retired`;
    case 'dependency.upserted': {
      const [from, to] = splitId(c.entity);
      return `dependency ${from} -> ${to} upserted${setAttrs(a, ['present', 'from', 'to'])}`;
    }
    case 'dependency.removed': {
      const [from, to] = splitId(c.entity);
      return `dependency ${from} -> ${to} removed`;
    }
    case 'deploy.started': {
      const from = text(a.previousVersion);
      const rollout = typeof a.rolloutPercent === 'number' ? `, rollout ${a.rolloutPercent}%` : '';
      return `deploy ${c.entity} of ${service}: ${text(a.version) ?? '?'}${from ? ` (from ${from})` : ''}${rollout}`;
    }
    case 'deploy.finished':
      return `deploy ${c.entity} of ${service} ${(text(a.status) ?? 'finished').replace('_', ' ')}`;
    case 'config.changed': {
      const was = a.previousValue !== undefined ? ` (was ${show(a.previousValue)})` : '';
      return `config change ${c.entity} on ${service}: ${text(a.key) ?? '?'} = ${show(a.value)}${was}`;
    }
    case 'alert.fired': {
      const severity = text(a.severity);
      const summary = text(a.summary);
      return `alert ${c.entity} fired on ${service}: ${text(a.signal) ?? '?'}${severity ? ` (${severity})` : ''}${summary ? ` - ${summary}` : ''}`;
    }
    case 'alert.resolved':
      return `alert ${c.entity} on ${service} resolved`;
    case 'incident.opened': {
      const title = text(a.title);
      return `incident ${c.entity} opened${title ? `: ${title}` : ''} (${c.services.join(', ')})`;
    }
    case 'incident.resolved':
      if (c.kind === 'causal') return `incident ${text(a.incident) ?? '?'} confirmed that ${refText(a.cause)} caused ${refText(a.effect)}`;
      return `incident ${c.entity} resolved${a.rootCause !== undefined ? `: root cause ${refText(a.rootCause)}` : ''}`;
    case 'causal.confirmed':
    case 'causal.rejected':
      return `${c.type === 'causal.confirmed' ? 'confirmed' : 'rejected'}: ${refText(a.cause)} caused ${refText(a.effect)}`;
    case 'action.proposed':
      return `${text(a.actor) ?? 'someone'} proposed ${text(a.kind) ?? 'an action'} ${c.entity} on ${service}`;
    case 'action.decided':
      return `action ${c.entity} on ${service}: ${text(a.verdict) ?? '?'}${a.dryRun === true ? ' (dry run)' : ''}`;
    case 'action.approved': {
      const approver = Object.keys(a).find((k) => k.startsWith('approvedBy:'))?.slice('approvedBy:'.length);
      return `action ${c.entity} approved by ${approver ?? '?'}`;
    }
    case 'action.executed':
      return `action ${c.entity} executed on ${service}`;
    case 'action.outcome':
      return `action ${c.entity} on ${service} ${text(a.status) ?? 'finished'}`;
    case 'prediction.recorded':
      return `${text(a.mode) ?? 'a'} ${text(a.kind) ?? ''} prediction ${c.entity} recorded for ${text(a.incident) ?? text(a.action) ?? service}`;
    case 'prediction.settled': {
      const o = a.outcome;
      const right = o !== null && typeof o === 'object' && !Array.isArray(o) && o.correct === true;
      return `prediction ${c.entity} settled: ${right ? 'right' : 'wrong'}`;
    }
    case 'ladder.enrolled':
    case 'ladder.promoted':
    case 'ladder.demoted':
      return `${text(a.agent) ?? '?'} ${c.type.slice('ladder.'.length)} on ${text(a.service) ?? '?'}: ${text(a.from) ?? '?'} -> ${text(a.rung) ?? '?'}`;
  }
}
