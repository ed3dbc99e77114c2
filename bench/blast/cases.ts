/**
 * Blast-radius cases from the generated labelled incidents (bench/rca/generate.ts), pure: every
 * incident whose labelled cause is a change (a deploy or a config change) is an action somebody
 * took, and what it actually reached is known. The prediction is asked as an agent would have
 * asked it: of the graph valid just before the change.
 *
 * - The action: DEPLOY or CONFIG_CHANGE on the cause's service, with what the change itself says of
 *   its scope (a shared setting's other `services`, the `dependency` whose calls it governs), and for
 *   a deploy the callee it began calling within minutes of starting (a dependency it introduced):
 *   what whoever proposes the deploy knows its code now calls.
 * - What it reached: every service on which an alert of the fault fired at or after the change
 *   (the generator tells the fault's alerts from its red herrings), traffic alerts aside: a surge
 *   is what woke the fault, not its effect. Noise alerts on healthy services and innocent changes
 *   near the incident are red herrings and never count.
 * - Saturation and failing-dependency incidents have a service as their cause, no action: they are
 *   left out. A rolled-back incident counts when its cause is the later bad deploy.
 */
import type { EntityRef } from '../../schema/events.js';
import type { FaultClass, Scenario } from '../rca/generate.js';

export interface BlastAction {
  kind: 'DEPLOY' | 'CONFIG_CHANGE';
  service: string;
  /** Just before the change took place (ms). */
  at: number;
  /** A shared setting's other services (config.changed `services`). */
  services: string[];
  /** The callee whose calls the setting governs (config.changed `dependency`). */
  dependency: string | null;
}

export interface BlastCase {
  id: string;
  topology: string;
  fault: FaultClass;
  split: 'train' | 'test';
  action: BlastAction;
  /** The services the change reached: those on which an alert of its fault fired after it, sorted. */
  reached: string[];
}

interface RawEvent {
  type: string;
  time?: string;
  data?: Record<string, unknown>;
}

/** A dependency first recorded this soon after a deploy of its caller is one the deploy introduced. */
const INTRODUCED_WITHIN_MS = 5 * 60_000;

const changeKey = (ref: EntityRef): string | null => (ref.kind === 'deploy' ? `deploy\u0000${ref.id}` : ref.kind === 'config' ? `config\u0000${ref.id}` : null);

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The scenario's incidents caused by a change, as blast-radius cases, in the scenario's order. */
export function blastCases(scenario: Scenario): BlastCase[] {
  const changes = new Map<string, { at: number; data: Record<string, unknown> }>();
  const added: { at: number; from: string; to: string }[] = [];
  const known = new Set<string>();
  const alerts = new Map<string, { at: number; service: string; signal: string }>();
  for (const e of scenario.events as readonly RawEvent[]) {
    const data = e.data ?? {};
    const at = Date.parse(e.time ?? '');
    if (e.type === 'deploy.started' && typeof data.deploy === 'string') changes.set(`deploy\u0000${data.deploy}`, { at, data });
    if (e.type === 'config.changed' && typeof data.change === 'string') changes.set(`config\u0000${data.change}`, { at, data });
    if (e.type === 'dependency.upserted') {
      const key = `${String(data.from)}\u0000${String(data.to)}`;
      if (!known.has(key)) added.push({ at, from: String(data.from), to: String(data.to) });
      known.add(key);
    }
    // An alert re-sent keeps its first firing: that is when it began.
    if (e.type === 'alert.fired' && typeof data.alert === 'string' && !alerts.has(data.alert)) {
      alerts.set(data.alert, { at, service: String(data.service), signal: String(data.signal) });
    }
  }
  const episodes = new Map(scenario.episodes.map((ep) => [ep.incident, ep]));
  const out: BlastCase[] = [];
  for (const c of scenario.cases) {
    const key = changeKey(c.label.cause);
    const change = key === null ? undefined : changes.get(key);
    const episode = episodes.get(c.incident);
    if (!change || !episode) continue;
    const reached = new Set<string>();
    for (const id of episode.fault) {
      const a = alerts.get(id);
      if (a && a.at >= change.at && a.signal !== 'traffic') reached.add(a.service);
    }
    const introduced = c.label.cause.kind === 'deploy' ? added.find((d) => d.from === c.label.service && d.at >= change.at && d.at <= change.at + INTRODUCED_WITHIN_MS) : undefined;
    const dependency = change.data.dependency ?? introduced?.to;
    out.push({
      id: c.id,
      topology: c.topology,
      fault: c.fault,
      split: c.split,
      action: {
        kind: c.label.cause.kind === 'deploy' ? 'DEPLOY' : 'CONFIG_CHANGE',
        service: c.label.service,
        at: change.at - 1,
        services: strings(change.data.services),
        dependency: typeof dependency === 'string' ? dependency : null,
      },
      reached: [...reached].sort(),
    });
  }
  return out;
}

/** How one prediction did against what the action reached. */
export interface BlastScore {
  /** Share of the reached services that were predicted. */
  recall: number;
  /** Every reached service was predicted. */
  covered: boolean;
  /** Share of the predicted services that were reached. */
  precision: number;
  predicted: number;
}

export function scoreBlast(predicted: ReadonlySet<string>, reached: readonly string[]): BlastScore {
  const hit = reached.filter((s) => predicted.has(s)).length;
  return {
    recall: reached.length === 0 ? 1 : hit / reached.length,
    covered: hit === reached.length,
    precision: predicted.size === 0 ? 0 : hit / predicted.size,
    predicted: predicted.size,
  };
}
