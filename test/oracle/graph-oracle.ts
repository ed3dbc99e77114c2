/**
 * An independent oracle for the time-versioned graph, written from CONTRACT §1 alone: it replays
 * every event known at `knownAt` and valid by `at`, once, in valid-time order (equal times: the
 * smaller `(source, id)` first, so the larger wins), by a plain linear scan. It shares no code with
 * src/model or src/store on purpose: when both agree, two readings of the contract agree.
 *
 * @example
 * const g = oracleGraph([{ event, recordedAt }], Date.parse('2026-05-01T10:00:00Z'), Infinity);
 * g.services[0]?.running // the version that service runs then
 */
import type { CloudEvent } from '../../schema/events.js';

export interface StoredEvent {
  event: CloudEvent;
  /** When the store recorded it (epoch ms). */
  recordedAt: number;
}

/** The optional attributes of a service, only those some upsert has set. */
export type ServiceAttributes = Partial<Record<'name' | 'kind' | 'team' | 'tier' | 'zone' | 'slo' | 'tags', unknown>>;

export interface OracleService {
  id: string;
  attributes: ServiceAttributes;
  /** When it last came into existence. */
  since: number;
  running: { version: string; deploy: string | null } | null;
  /** key -> the value and the change that set it, and since when. */
  config: Record<string, { value: unknown; change: string; since: number }>;
  /** Active alerts, sorted by id, with when the current firing began. */
  activeAlerts: { id: string; firedAt: number }[];
}

export interface OracleDependency {
  from: string;
  to: string;
  critical: boolean;
  rps: number | null;
  timeoutMs: number | null;
  protocol: string | null;
  /** When it last came into existence. */
  since: number;
}

export interface OracleGraph {
  services: OracleService[];
  dependencies: OracleDependency[];
}

const SERVICE_ATTRIBUTES = ['name', 'kind', 'team', 'tier', 'zone', 'slo', 'tags'] as const;
const DEPENDENCY_ATTRIBUTES = ['critical', 'rps', 'timeoutMs', 'protocol'] as const;

/** Valid-time order; at equal times the larger (source, id) comes later, and so wins. */
function replayOrder(a: CloudEvent, b: CloudEvent): number {
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  if (ta !== tb) return ta - tb;
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

interface DeployRecord {
  service?: string;
  version?: string;
  previousVersion?: string;
  /** Position of its start in the replay: later starts run in preference to earlier ones. */
  startedSeq?: number;
  status?: string;
}

/** The graph valid at `at` as known at `knownAt` (epoch ms), from every stored event. */
export function oracleGraph(stored: readonly StoredEvent[], at: number, knownAt: number): OracleGraph {
  const events = stored
    .filter((s) => s.recordedAt <= knownAt && Date.parse(s.event.time) <= at)
    .map((s) => s.event)
    .sort(replayOrder);

  const services = new Map<string, { exists: boolean; since: number; attributes: ServiceAttributes }>();
  const deps = new Map<string, { from: string; to: string; on: boolean; since: number; attributes: Record<string, unknown> }>();
  const deploys = new Map<string, DeployRecord>();
  const config = new Map<string, Map<string, { value: unknown; change: string; since: number }>>();
  const alerts = new Map<string, { service?: string; active: boolean; firedAt: number }>();

  events.forEach((e, seq) => {
    const time = Date.parse(e.time);
    switch (e.type) {
      case 'service.upserted': {
        const s = services.get(e.data.service) ?? { exists: false, since: time, attributes: {} };
        if (!s.exists) s.since = time;
        s.exists = true;
        for (const a of SERVICE_ATTRIBUTES) if (e.data[a] !== undefined) s.attributes[a] = e.data[a];
        services.set(e.data.service, s);
        break;
      }
      case 'service.retired': {
        const s = services.get(e.data.service) ?? { exists: false, since: time, attributes: {} };
        s.exists = false;
        services.set(e.data.service, s);
        break;
      }
      case 'dependency.upserted':
      case 'dependency.removed': {
        const k = JSON.stringify([e.data.from, e.data.to]);
        const d = deps.get(k) ?? { from: e.data.from, to: e.data.to, on: false, since: time, attributes: {} };
        if (!d.on) d.since = time;
        d.on = e.type === 'dependency.upserted';
        if (e.type === 'dependency.upserted') for (const a of DEPENDENCY_ATTRIBUTES) if (e.data[a] !== undefined) d.attributes[a] = e.data[a];
        deps.set(k, d);
        break;
      }
      case 'deploy.started': {
        const d = deploys.get(e.data.deploy) ?? {};
        d.service = e.data.service;
        d.version = e.data.version;
        if (e.data.previousVersion !== undefined) d.previousVersion = e.data.previousVersion;
        d.startedSeq = seq;
        deploys.set(e.data.deploy, d);
        break;
      }
      case 'deploy.finished': {
        const d = deploys.get(e.data.deploy) ?? {};
        d.status = e.data.status;
        deploys.set(e.data.deploy, d);
        break;
      }
      case 'config.changed': {
        for (const consumer of new Set([e.data.service, ...(e.data.services ?? [])])) {
          const values = config.get(consumer) ?? new Map<string, { value: unknown; change: string; since: number }>();
          values.set(e.data.key, { value: e.data.value, change: e.data.change, since: time });
          config.set(consumer, values);
        }
        break;
      }
      case 'alert.fired': {
        const a = alerts.get(e.data.alert) ?? { active: false, firedAt: time };
        if (!a.active) a.firedAt = time;
        a.service = e.data.service;
        a.active = true;
        alerts.set(e.data.alert, a);
        break;
      }
      case 'alert.resolved': {
        const a = alerts.get(e.data.alert) ?? { active: false, firedAt: time };
        a.active = false;
        alerts.set(e.data.alert, a);
        break;
      }
      default:
        // Incidents and causal verdicts do not change services, dependencies, versions, config or alerts.
        break;
    }
  });

  const exists = (id: string): boolean => services.get(id)?.exists === true;

  /** The latest start not rolled back; when every start was rolled back, what ran before the first of them. */
  const running = (service: string): OracleService['running'] => {
    const started = [...deploys.entries()]
      .filter(([, d]) => d.service === service && d.startedSeq !== undefined && d.version !== undefined)
      .sort(([, a], [, b]) => (a.startedSeq ?? 0) - (b.startedSeq ?? 0));
    for (let i = started.length - 1; i >= 0; i--) {
      const [id, d] = started[i] as [string, DeployRecord];
      if (d.status !== 'rolled_back') return { version: d.version as string, deploy: id };
    }
    const before = started.find(([, d]) => d.previousVersion !== undefined)?.[1].previousVersion;
    return before === undefined ? null : { version: before, deploy: null };
  };

  const out: OracleService[] = [...services.entries()]
    .filter(([, s]) => s.exists)
    .map(([id, s]) => ({
      id,
      attributes: s.attributes,
      since: s.since,
      running: running(id),
      config: Object.fromEntries(config.get(id) ?? []),
      activeAlerts: [...alerts.entries()]
        .filter(([, a]) => a.active && a.service === id)
        .map(([alert, a]) => ({ id: alert, firedAt: a.firedAt }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));

  const dependencies: OracleDependency[] = [...deps.values()]
    .filter((d) => d.on && exists(d.from) && exists(d.to))
    .map((d) => ({
      from: d.from,
      to: d.to,
      critical: d.attributes.critical !== false,
      rps: typeof d.attributes.rps === 'number' ? d.attributes.rps : null,
      timeoutMs: typeof d.attributes.timeoutMs === 'number' ? d.attributes.timeoutMs : null,
      protocol: typeof d.attributes.protocol === 'string' ? d.attributes.protocol : null,
      since: d.since,
    }))
    .sort((a, b) => (a.from !== b.from ? (a.from < b.from ? -1 : 1) : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));

  return { services: out, dependencies };
}
