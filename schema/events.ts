/**
 * The CloudEvents envelope and every ctxgraph event type (CONTRACT §1). This file is the only
 * definition: HTTP, file and Kafka ingest all validate with `parseEvent`, and
 * `schema/events.schema.json` is generated from it for producers in other languages.
 *
 * @example
 * const r = CloudEvent.safeParse(JSON.parse(line));
 * if (r.success && r.data.type === 'deploy.started') console.log(r.data.data.version);
 */
import { z } from 'zod';
import { missingIsRequired } from './issues.js';
import { ACTION_EVENT_DATA } from './action-events.js';
import { TRUST_EVENT_DATA } from './trust-events.js';

const Id = z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters');
const Rfc3339 = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp with an offset, e.g. 2026-05-01T12:00:00Z' });

export const ENTITY_REF_KINDS = ['service', 'deploy', 'config', 'alert', 'incident'] as const;
export const EntityRef = z.object({ kind: z.enum(ENTITY_REF_KINDS), id: Id });
export type EntityRef = z.infer<typeof EntityRef>;

export const SERVICE_KINDS = ['service', 'database', 'cache', 'queue', 'external', 'function'] as const;
export const ACTOR_TYPES = ['human', 'agent', 'system'] as const;
export const DEPLOY_STATUSES = ['succeeded', 'failed', 'rolled_back'] as const;
export const SEVERITIES = ['critical', 'warning', 'info'] as const;

/** Tags arrive as a list of strings or as a map; a map becomes `key=value` strings. */
const Tags = z
  .union([z.array(z.string()), z.record(z.string(), z.string())])
  .transform((t) => (Array.isArray(t) ? t : Object.entries(t).map(([k, v]) => `${k}=${v}`)));

export const Slo = z.object({
  objective: z.number().gt(0, 'must be above 0').lte(1, 'must be at most 1'),
  windowDays: z.number().int().positive(),
});

const ConfigValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const ServiceUpserted = z.object({
  service: Id,
  name: z.string().optional(),
  kind: z.enum(SERVICE_KINDS).optional(),
  team: z.string().optional(),
  tier: z.number().int().min(1).max(4).optional(),
  zone: z.string().min(1).optional(),
  slo: Slo.optional(),
  tags: Tags.optional(),
});
export const ServiceRetired = z.object({ service: Id });
export const DependencyUpserted = z
  .object({
    from: Id,
    to: Id,
    critical: z.boolean().optional(),
    rps: z.number().nonnegative().optional(),
    timeoutMs: z.number().nonnegative().optional(),
    protocol: z.string().optional(),
  })
  .refine((d) => d.from !== d.to, { message: 'a service cannot depend on itself', path: ['to'] });
export const DependencyRemoved = z.object({ from: Id, to: Id });
export const DeployStarted = z.object({
  deploy: Id,
  service: Id,
  version: z.string().min(1),
  previousVersion: z.string().optional(),
  changes: z.array(z.string()).optional(),
  rolloutPercent: z.number().min(0).max(100).optional(),
});
export const DeployFinished = z.object({ deploy: Id, status: z.enum(DEPLOY_STATUSES) });
export const ConfigChanged = z.object({
  change: Id,
  service: Id,
  key: z.string().min(1),
  value: ConfigValue,
  previousValue: ConfigValue.optional(),
  dependency: Id.optional(),
  services: z.array(Id).optional(),
});
export const AlertFired = z.object({
  alert: Id,
  service: Id,
  signal: z.string().min(1),
  severity: z.enum(SEVERITIES).optional(),
  value: z.number().optional(),
  /**
   * The series' normal level, in `value`'s unit (a latency in milliseconds, a share of requests):
   * with `value`, how far the signal moved. Root-cause analysis reads it to tell whether a slower
   * dependency can account for how much its caller slowed.
   */
  baseline: z.number().optional(),
  summary: z.string().optional(),
  dependency: Id.optional(),
  /**
   * False when the failure was already under way when the monitor began watching: `time` is when it
   * was first seen, and the failure began at or before it, how long before unknown. Default true.
   */
  onsetObserved: z.boolean().optional(),
});
export const AlertResolved = z.object({ alert: Id });
export const IncidentOpened = z.object({
  incident: Id,
  services: z.array(Id).min(1, 'must name at least one symptom service'),
  title: z.string().optional(),
  severity: z.string().optional(),
});
export const IncidentResolved = z.object({
  incident: Id,
  rootCause: EntityRef.optional(),
  chain: z.array(EntityRef).optional(),
});
export const CausalVerdict = z.object({
  cause: EntityRef,
  effect: EntityRef,
  incident: Id.optional(),
  note: z.string().optional(),
});

/** Every event type and the shape of its `data`. An unknown type is invalid. */
export const EVENT_DATA = {
  'service.upserted': ServiceUpserted,
  'service.retired': ServiceRetired,
  'dependency.upserted': DependencyUpserted,
  'dependency.removed': DependencyRemoved,
  'deploy.started': DeployStarted,
  'deploy.finished': DeployFinished,
  'config.changed': ConfigChanged,
  'alert.fired': AlertFired,
  'alert.resolved': AlertResolved,
  'incident.opened': IncidentOpened,
  'incident.resolved': IncidentResolved,
  'causal.confirmed': CausalVerdict,
  'causal.rejected': CausalVerdict,
  ...ACTION_EVENT_DATA,
  ...TRUST_EVENT_DATA,
} as const;
export type EventType = keyof typeof EVENT_DATA;
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];

/**
 * Types that ctxgraph writes itself (the control layer's actions, the trust layer's predictions and
 * ladder moves). The network doors (HTTP, Kafka) refuse them: whoever may post events must not be
 * able to promote an agent or invent an action's outcome. The file door, an operator's tool on the
 * data directory, takes them (a restore of an export).
 */
export const INTERNAL_EVENT_TYPES: ReadonlySet<EventType> = new Set([...Object.keys(ACTION_EVENT_DATA), ...Object.keys(TRUST_EVENT_DATA)] as EventType[]);

const Envelope = {
  specversion: z.literal('1.0', { message: 'must be "1.0"' }),
  id: Id,
  source: Id,
  time: Rfc3339,
  subject: z.string().optional(),
  datacontenttype: z.string().optional(),
  dataschema: z.string().optional(),
  actor: z.string().min(1).optional(),
  actortype: z.enum(ACTOR_TYPES).optional(),
  actormodel: z.string().min(1).optional(),
};

function variant<T extends EventType>(type: T) {
  return z.object({ ...Envelope, type: z.literal(type), data: EVENT_DATA[type] });
}

export const CloudEvent = z.discriminatedUnion('type', [
  variant('service.upserted'),
  variant('service.retired'),
  variant('dependency.upserted'),
  variant('dependency.removed'),
  variant('deploy.started'),
  variant('deploy.finished'),
  variant('config.changed'),
  variant('alert.fired'),
  variant('alert.resolved'),
  variant('incident.opened'),
  variant('incident.resolved'),
  variant('causal.confirmed'),
  variant('causal.rejected'),
  variant('action.proposed'),
  variant('action.decided'),
  variant('action.approved'),
  variant('action.executed'),
  variant('action.outcome'),
  variant('prediction.recorded'),
  variant('prediction.settled'),
  variant('ladder.enrolled'),
  variant('ladder.promoted'),
  variant('ladder.demoted'),
]);
export type CloudEvent = z.infer<typeof CloudEvent>;
/** The event as a producer writes it (before defaults and transforms). */
export type CloudEventInput = z.input<typeof CloudEvent>;
export type EventOf<T extends EventType> = Extract<CloudEvent, { type: T }>;

/** One problem with one event: where it is and what is wrong. */
export interface EventIssue {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; event: CloudEvent } | { ok: false; id: string | null; issues: EventIssue[] };

/**
 * Validates one decoded event. Unknown `type` gets a message that lists the valid ones.
 *
 * @example
 * const r = parseEvent({ specversion: '1.0', id: '1', source: 'ci', type: 'service.retired',
 *   time: '2026-05-01T00:00:00Z', data: { service: 'cart' } });
 */
export function parseEvent(input: unknown): ParseResult {
  const id = typeof input === 'object' && input !== null && typeof (input as { id?: unknown }).id === 'string'
    ? (input as { id: string }).id
    : null;
  const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
  if (typeof input === 'object' && input !== null && !Array.isArray(input) && !(typeof type === 'string' && type in EVENT_DATA)) {
    return {
      ok: false,
      id,
      issues: [{ path: 'type', message: `unknown event type ${JSON.stringify(type)}; expected one of ${EVENT_TYPES.join(', ')}` }],
    };
  }
  const r = CloudEvent.safeParse(input, { error: missingIsRequired });
  if (r.success) return { ok: true, event: r.data };
  return {
    ok: false,
    id,
    issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(event)', message: i.message })),
  };
}
