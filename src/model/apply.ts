/**
 * Event to facts: a pure function. The facts of an event depend only on the event and the instant
 * it was recorded, never on what came before; the order of facts on an entity is decided at read
 * time (`compareFacts`), which is what makes delivery order irrelevant.
 */
import type { CloudEvent, EntityRef, EventType } from '../../schema/events.js';
import { configValueId, dependencyId, eventKey, type Fact, type FactKind, type Json, SEP } from './facts.js';
import { toMillis } from './time.js';

type Attrs = Record<string, Json>;

/**
 * Adds to `out` the fields of `data` that are present, so a partial upsert sets only what it
 * names. Adding in place rather than spreading a copy: this runs for every event ingested.
 */
function given(out: Attrs, data: object, names: readonly string[]): Attrs {
  for (const n of names) {
    const v = (data as Record<string, unknown>)[n];
    if (v !== undefined) out[n] = v as Json;
  }
  return out;
}

const refKey = (r: EntityRef): string => `${r.kind}:${r.id}`;
export const causalId = (cause: EntityRef, effect: EntityRef): string => `${refKey(cause)}\u001f${refKey(effect)}`;

/** A causal ruling replaces the one before it whole: what it leaves out is cleared, not inherited. */
function ruling(out: Attrs): Attrs {
  for (const k of ['incident', 'note', 'actor', 'actorType', 'actorModel']) out[k] ??= null;
  return out;
}

/** Adds the event's actor fields to `a`. */
function actorAttrs(a: Attrs, e: CloudEvent): Attrs {
  if (e.actor !== undefined) a.actor = e.actor;
  if (e.actortype !== undefined) a.actorType = e.actortype;
  if (e.actormodel !== undefined) a.actorModel = e.actormodel;
  return a;
}

/** What every fact of one event shares. */
interface Stamp {
  readonly validFrom: number;
  readonly recordedAt: number;
  readonly key: string;
  readonly type: EventType;
}

const factOf = (s: Stamp, kind: FactKind, id: string, attrs: Attrs): Fact => ({
  kind,
  id,
  validFrom: s.validFrom,
  recordedAt: s.recordedAt,
  key: s.key,
  type: s.type,
  attrs,
});

/**
 * The facts one validated event asserts, stamped with `recordedAt`.
 *
 * @example
 * applyEvent(deployStarted, Date.now()) // [{ kind: 'deploy', id: 'd-1', attrs: { service, version, ... } }]
 */
export function applyEvent(e: CloudEvent, recordedAt: number): Fact[] {
  const validFrom = toMillis(e.time);
  // The instant a deploy started, an alert fired or an incident opened is the fact's own valid
  // time: it is not stored again as an attribute (see `attrsAsRecorded`).
  const stamp: Stamp = { validFrom, recordedAt, key: eventKey(e.source, e.id), type: e.type };

  switch (e.type) {
    case 'service.upserted':
      return [factOf(stamp, 'service', e.data.service, given({ present: true }, e.data, ['name', 'kind', 'team', 'tier', 'zone', 'slo', 'tags']))];
    case 'service.retired':
      return [factOf(stamp, 'service', e.data.service, { present: false })];
    case 'dependency.upserted':
      return [
        factOf(stamp, 'dependency', dependencyId(e.data.from, e.data.to), given({ from: e.data.from, to: e.data.to, present: true }, e.data, ['critical', 'rps', 'timeoutMs', 'protocol'])),
      ];
    case 'dependency.removed':
      return [factOf(stamp, 'dependency', dependencyId(e.data.from, e.data.to), { from: e.data.from, to: e.data.to, present: false })];
    case 'deploy.started':
      return [
        factOf(stamp, 'deploy', e.data.deploy, actorAttrs(given({ service: e.data.service, version: e.data.version }, e.data, ['previousVersion', 'changes', 'rolloutPercent']), e)),
      ];
    case 'deploy.finished':
      return [factOf(stamp, 'deploy', e.data.deploy, { status: e.data.status })];
    case 'config.changed': {
      const d = e.data;
      // Each consumer once, even when a producer repeats one: one setting, one value fact per service.
      const consumers = [...new Set([d.service, ...(d.services ?? [])])];
      return [
        factOf(stamp, 'config', d.change, actorAttrs(given({ service: d.service, key: d.key, value: d.value }, d, ['previousValue', 'dependency', 'services']), e)),
        ...consumers.map((s) => factOf(stamp, 'configValue', configValueId(s, d.key), { service: s, key: d.key, value: d.value, change: d.change })),
      ];
    }
    case 'alert.fired':
      return [
        factOf(stamp, 'alert', e.data.alert, given({ service: e.data.service, signal: e.data.signal, active: true }, e.data, ['severity', 'value', 'baseline', 'summary', 'dependency', 'onsetObserved'])),
      ];
    case 'alert.resolved':
      return [factOf(stamp, 'alert', e.data.alert, { active: false })];
    case 'incident.opened':
      return [
        factOf(stamp, 'incident', e.data.incident, given({ services: e.data.services, open: true }, e.data, ['title', 'severity'])),
      ];
    case 'incident.resolved': {
      const d = e.data;
      const out = [factOf(stamp, 'incident', d.incident, given({ open: false }, d, ['rootCause', 'chain']))];
      // A given root cause and chain count as confirmed causal links (CONTRACT §1).
      const chain: EntityRef[] = [...(d.chain ?? [])];
      if (d.rootCause && (chain.length === 0 || refKey(chain[0] as EntityRef) !== refKey(d.rootCause))) chain.unshift(d.rootCause);
      for (let i = 0; i + 1 < chain.length; i++) {
        const cause = chain[i] as EntityRef;
        const effect = chain[i + 1] as EntityRef;
        out.push(factOf(stamp, 'causal', causalId(cause, effect), ruling(actorAttrs({ verdict: 'confirmed', cause, effect, incident: d.incident }, e))));
      }
      return out;
    }
    case 'action.proposed':
      return [
        factOf(
          stamp,
          'action',
          e.data.action,
          actorAttrs(
            given({ service: e.data.service, kind: e.data.kind, status: 'proposed', proposedAt: validFrom }, e.data, [
              'services',
              'dependency',
              'parameters',
              'rolloutPercent',
              'reversible',
              'destructive',
              'justification',
              'evidence',
            ]),
            e,
          ),
        ),
      ];
    case 'action.decided':
      return [
        factOf(
          stamp,
          'action',
          e.data.action,
          given(
            {
              service: e.data.service,
              kind: e.data.kind,
              verdict: e.data.verdict,
              reasons: e.data.reasons.map((r) => `${r.primitive}: ${r.outcome}: ${r.message}`),
            },
            e.data,
            ['approvalsRequired', 'dryRun'],
          ),
        ),
      ];
    case 'action.approved':
      // Approvals accumulate: each is its own attribute, so a later approval never hides an earlier one.
      return [factOf(stamp, 'action', e.data.action, { [`approvedBy:${e.data.approver}`]: e.data.note ?? true })];
    case 'action.executed':
      return [factOf(stamp, 'action', e.data.action, { service: e.data.service, kind: e.data.kind, status: 'executed', executedAt: validFrom })];
    case 'action.outcome':
      return [
        factOf(stamp, 'action', e.data.action, given({ service: e.data.service, kind: e.data.kind, status: e.data.status, outcomeAt: validFrom }, e.data, ['detail'])),
      ];
    case 'prediction.recorded': {
      const d = e.data;
      return [
        factOf(
          stamp,
          'prediction',
          d.prediction,
          given(
            {
              kind: d.kind,
              mode: d.mode,
              author: d.author,
              service: d.service,
              at: toMillis(d.at),
              knownAt: toMillis(d.knownAt),
              version: d.version,
              evidence: d.evidence,
            },
            d,
            ['incident', 'action', 'candidates', 'impacted'],
          ),
        ),
      ];
    }
    case 'prediction.settled': {
      const d = e.data;
      return [factOf(stamp, 'prediction', d.prediction, { outcome: { settledAt: validFrom, correct: d.correct, rank: d.rank, truth: d.truth, faultClass: d.faultClass ?? null } })];
    }
    case 'ladder.enrolled':
    case 'ladder.promoted':
    case 'ladder.demoted': {
      const d = e.data;
      // One entity per agent and service; each move is one version of it, so its history is the ladder's audit trail.
      return [
        factOf(stamp, 'ladder', `${d.agent}${SEP}${d.service}`, {
          agent: d.agent,
          service: d.service,
          rung: d.to,
          from: d.from,
          direction: e.type === 'ladder.demoted' ? 'demotion' : 'promotion',
          by: d.by,
          reason: d.reason,
          checks: d.checks,
        }),
      ];
    }
    case 'causal.confirmed':
    case 'causal.rejected': {
      const d = e.data;
      return [
        factOf(
          stamp,
          'causal',
          causalId(d.cause, d.effect),
          ruling(actorAttrs(given({ verdict: e.type === 'causal.confirmed' ? 'confirmed' : 'rejected', cause: d.cause, effect: d.effect }, d, ['incident', 'note']), e)),
        ),
      ];
    }
  }
}

/** Time attributes that are the valid time of the fact that makes them, per event type: [entity kind, attribute after which it reads, name]. */
const TIME_ATTRS: Partial<Record<EventType, readonly [Fact['kind'], string, string]>> = {
  'deploy.started': ['deploy', 'version', 'startedAt'],
  'deploy.finished': ['deploy', 'status', 'finishedAt'],
  'alert.fired': ['alert', 'active', 'firedAt'],
  'alert.resolved': ['alert', 'active', 'resolvedAt'],
  'incident.opened': ['incident', 'open', 'openedAt'],
  'incident.resolved': ['incident', 'open', 'resolvedAt'],
};

/**
 * A fact's attributes as its event stated them, with the time attribute its valid time stands for
 * (`startedAt` of a deploy.started, `resolvedAt` of an alert.resolved, ...): what a change listing shows.
 *
 * @example
 * attrsAsRecorded(alertResolvedFact) // { active: false, resolvedAt: 1767225600000 }
 */
export function attrsAsRecorded(f: Pick<Fact, 'kind' | 'type' | 'validFrom' | 'attrs'>): Readonly<Record<string, Json>> {
  const derived = TIME_ATTRS[f.type];
  if (!derived || derived[0] !== f.kind) return f.attrs;
  const [, after, name] = derived;
  const out: Attrs = {};
  for (const k in f.attrs) {
    if (k === name) continue;
    out[k] = f.attrs[k] as Json;
    if (k === after) out[name] = f.validFrom;
  }
  out[name] ??= f.validFrom;
  return out;
}
