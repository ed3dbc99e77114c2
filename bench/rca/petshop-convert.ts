/**
 * PetShop (Amazon Science, CC-BY-4.0) to ctxgraph events, pure: the caller reads the files and
 * hands in their text. See docs/root-cause.md for the choices below and why.
 *
 * - graph.csv (adjacency matrix, row calls column) becomes services and dependencies.
 * - metrics.csv becomes alerts through a detector fitted on the no-issue baseline only: per series,
 *   a robust z-score (median, MAD) and a threshold above anything that series reached in normal
 *   operation (and never below `Z_FLOOR`). Latency rising fires `latency`, availability falling
 *   fires `errors`, requests rising fires `traffic` (a trigger, not a failure).
 * - The reproducibility command becomes a change event where it made one: `aws ssm put-parameter`
 *   a config change, `sed -i ... deploy` a deploy, on the service its parameter or files name.
 *   The dataset does not record when the injection happened, so the change is placed one bucket
 *   before the issue's window.
 * - target.json becomes the incident (symptom: the target node), and the label is root_cause.node.
 */
import type { CloudEventInput } from '../../schema/events.js';
import { createRandom } from '../random.js';

export interface Series {
  node: string;
  metric: string;
  stat: string;
  values: (number | null)[];
}

export interface MetricsTable {
  /** Epoch seconds of each 5-minute bucket. */
  timestamps: number[];
  series: Series[];
}

export interface CallGraph {
  nodes: string[];
  calls: [string, string][];
}

/** A tiny CSV reader for these files: quoted fields may hold commas, nothing else is escaped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.length === 0) continue;
    const row: string[] = [];
    let cur = '';
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        row.push(cur);
        cur = '';
      } else cur += ch;
    }
    row.push(cur);
    rows.push(row);
  }
  return rows;
}

export function parseGraph(text: string): CallGraph {
  const rows = parseCsv(text);
  const header = (rows[0] ?? []).slice(1);
  const nodes = new Set(header);
  const calls: [string, string][] = [];
  for (const row of rows.slice(1)) {
    const from = row[0] ?? '';
    if (from === '') continue;
    nodes.add(from);
    row.slice(1).forEach((cell, j) => {
      const to = header[j];
      const v = Number(cell);
      if (to !== undefined && cell !== '' && Number.isFinite(v) && v !== 0 && to !== from) calls.push([from, to]);
    });
  }
  return { nodes: [...nodes].filter((n) => n !== '').sort(), calls };
}

/** Three header rows (node, metric, statistic), a `unix_timestamp` row, then one row per bucket. */
export function parseMetrics(text: string): MetricsTable {
  const rows = parseCsv(text);
  const [nodes, metrics, stats] = [rows[0] ?? [], rows[1] ?? [], rows[2] ?? []];
  const body = rows.slice(3).filter((r) => r[0] !== undefined && r[0] !== '' && Number.isFinite(Number(r[0])));
  const timestamps = body.map((r) => Number(r[0]));
  const series: Series[] = [];
  for (let j = 1; j < nodes.length; j++) {
    series.push({
      node: nodes[j] ?? '',
      metric: metrics[j] ?? '',
      stat: stats[j] ?? '',
      values: body.map((r) => {
        const cell = r[j] ?? '';
        const v = Number(cell);
        return cell === '' || !Number.isFinite(v) ? null : v;
      }),
    });
  }
  return { timestamps, series };
}

/** Which way a metric goes when something is wrong, and the alert signal it then fires. */
const DIRECTION: Record<string, { sign: 1 | -1; signal: string }> = {
  latency: { sign: 1, signal: 'latency' },
  availability: { sign: -1, signal: 'errors' },
  requests: { sign: 1, signal: 'traffic' },
};

/** Scores below this never fire, however calm the series was in normal operation. */
export const Z_FLOOR = 3;

interface SeriesModel {
  median: number;
  scale: number;
  threshold: number;
}

export type Detector = Map<string, SeriesModel>;

const seriesKey = (s: Pick<Series, 'node' | 'metric' | 'stat'>): string => `${s.node}\u0000${s.metric}\u0000${s.stat}`;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const zOf = (m: Pick<SeriesModel, 'median' | 'scale'>, sign: 1 | -1, v: number): number => (sign * (v - m.median)) / m.scale;

/**
 * Fits the detector on no-issue baselines only. Where several are given (a scenario with no
 * baseline of its own borrows its siblings'), a series' threshold is the largest any of them needs.
 */
export function fitDetector(baselines: readonly MetricsTable[]): Detector {
  const pooled = new Map<string, { s: Series; values: number[] }[]>();
  for (const t of baselines) {
    for (const s of t.series) {
      if (!(s.metric in DIRECTION)) continue;
      const values = s.values.filter((v): v is number => v !== null);
      if (values.length < 12) continue;
      const k = seriesKey(s);
      (pooled.get(k) ?? pooled.set(k, []).get(k))?.push({ s, values });
    }
  }
  const out: Detector = new Map();
  for (const [k, parts] of pooled) {
    const all = parts.flatMap((p) => p.values);
    const med = median(all);
    const mad = median(all.map((v) => Math.abs(v - med)));
    // A series flat in normal operation (availability at 100) still needs a finite scale.
    const scale = Math.max(1.4826 * mad, 0.01 * Math.abs(med), 1e-6);
    const { sign } = DIRECTION[parts[0]?.s.metric ?? ''] as { sign: 1 | -1 };
    const maxZ = Math.max(...all.map((v) => zOf({ median: med, scale }, sign, v)));
    out.set(k, { median: med, scale, threshold: Math.max(Z_FLOOR, maxZ) });
  }
  return out;
}

export interface Detection {
  node: string;
  signal: string;
  /** Epoch seconds of the first bucket where a series of this signal crossed its threshold. */
  at: number;
  /** The largest z-score over the series of this signal at that bucket. */
  z: number;
  /** False when the series was already beyond its threshold when the window opened: the onset lies at or before `at`. */
  onsetObserved: boolean;
  /** The node's Average of this metric at that bucket and its no-issue median, in the alert's unit (latency in ms, errors in percent of requests failing), where both are known. */
  level?: { value: number; baseline: number };
  /** The same Average at each later bucket of the window, while the alert fires (it is never resolved in a window). */
  later?: { at: number; value: number }[];
}

/**
 * An alert's `value` and `baseline` from a series' level, per metric: X-Ray's latencies are seconds,
 * alerts say milliseconds; availability (percent of requests that succeed) fires `errors`, whose
 * level is the percent of requests that fail.
 */
const ALERT_LEVEL: Readonly<Record<string, (x: number) => number>> = { latency: (x) => x * 1000, availability: (x) => 100 - x, requests: (x) => x };

/**
 * The Average series of a detection's node and metric at its bucket, beside that series' no-issue
 * median, and at each later bucket of the window (what a firing alert's later notifications say).
 */
function levelsOf(detector: Detector, table: MetricsTable, d: Detection, metric: string): Pick<Detection, 'level' | 'later'> {
  const s = table.series.find((x) => x.node === d.node && x.metric === metric && x.stat === 'Average');
  const m = s ? detector.get(seriesKey(s)) : undefined;
  if (!s || !m) return {};
  const level = ALERT_LEVEL[metric] ?? ((x: number) => x);
  const i = table.timestamps.indexOf(d.at);
  const v = s.values[i];
  if (typeof v !== 'number') return {};
  const later: { at: number; value: number }[] = [];
  const sign = DIRECTION[metric]?.sign ?? 1;
  let worst = v;
  for (let j = i + 1; j < table.timestamps.length; j++) {
    const x = s.values[j];
    if (typeof x !== 'number' || sign * (x - worst) <= 0) continue;
    worst = x;
    later.push({ at: table.timestamps[j] as number, value: round(level(x)) });
  }
  return { level: { value: round(level(v)), baseline: round(level(m.median)) }, ...(later.length > 0 ? { later } : {}) };
}

const round = (x: number): number => Number(x.toPrecision(6));

/**
 * One detection per (node, signal): its first anomalous bucket. A series already beyond its
 * threshold when the window opens began failing at an unknown time before it: it fires at the
 * window's first sample with `onsetObserved: false`, which the analysis reads as "under way since
 * at least then", never as an onset it can order.
 */
export function detect(detector: Detector, table: MetricsTable): Detection[] {
  const first = new Map<string, Detection & { metric: string }>();
  for (const s of table.series) {
    const m = detector.get(seriesKey(s));
    const dir = DIRECTION[s.metric];
    if (!m || !dir) continue;
    let seenNormal = false;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (v === null || v === undefined) continue;
      const z = zOf(m, dir.sign, v);
      if (z <= m.threshold) {
        seenNormal = true;
        continue;
      }
      const at = table.timestamps[i] as number;
      const k = `${s.node}\u0000${dir.signal}`;
      const prev = first.get(k);
      if (!prev || at < prev.at) first.set(k, { node: s.node, signal: dir.signal, at, z, onsetObserved: seenNormal, metric: s.metric });
      else if (at === prev.at) {
        prev.z = Math.max(prev.z, z);
        prev.onsetObserved ||= seenNormal;
      }
      break;
    }
  }
  return [...first.values()]
    .map(({ metric, ...d }) => ({ ...d, ...levelsOf(detector, table, d, metric) }))
    .sort((a, b) => a.at - b.at || (a.node < b.node ? -1 : a.node > b.node ? 1 : a.signal < b.signal ? -1 : 1));
}

/** What kind of node, from the suffixes PetShop's X-Ray names carry. */
export function kindOf(node: string): 'service' | 'database' | 'queue' | 'external' | 'function' {
  if (/DynamoDB|Database::SQL|PGSQL/.test(node)) return 'database';
  if (/SQS/.test(node)) return 'queue';
  if (/_remote$/.test(node) || /^(STS|S3|SSM|SimpleNotificationService|SimpleSystemsManagement|AWSSimpleSystemsManagement|Evidently|StepFunctions)_AWS::/.test(node)) return 'external';
  if (/lambda/i.test(node)) return 'function';
  return 'service';
}

/**
 * Callers' views that stand for a node, measured on the calling side: a load balancer whose host
 * names an application node (`servi-searc....elb.amazonaws.com_remote` fronts PetSearch), and the
 * API Gateway endpoint (`execute-api.<region>.amazonaws.com_remote`) when its callers call one API
 * Gateway stage, which it then is.
 */
export function frontDoors(calls: readonly (readonly [string, string])[], nodes: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of nodes) {
    const host = /^([^.]+)\.[^_]*\.elb\.amazonaws\.com_remote$/i.exec(n)?.[1];
    const alias = host === undefined ? null : nodeNamedBy(host, nodes);
    if (alias !== null && alias !== n) out.set(n, alias);
    if (/^execute-api\.[^_]*\.amazonaws\.com_remote$/i.test(n)) {
      const callers = calls.filter(([, to]) => to === n).map(([from]) => from);
      const stages = [...new Set(calls.filter(([from, to]) => callers.includes(from) && /_AWS::ApiGateway::Stage$/.test(to)).map(([, to]) => to))];
      if (callers.length > 0 && stages.length === 1) out.set(n, stages[0] as string);
    }
  }
  return out;
}

export type Injection =
  | { kind: 'config'; service: string; key: string; value: string }
  | { kind: 'deploy'; service: string; summary: string }
  | { kind: 'none'; reason: string };

const stem = (node: string): string => node.replace(/_(AWS::.*|client|remote)$/, '').toLowerCase().replace(/[^a-z0-9]/g, '');

function longestCommon(a: string, b: string): number {
  let best = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      let k = 0;
      while (a[i + k] !== undefined && a[i + k] === b[j + k]) k++;
      if (k > best) best = k;
    }
  }
  return best;
}

/** Whether application code runs in the node: a function, a container or task, or a plain application segment. */
export function runsCode(node: string): boolean {
  if (/_(client|remote)$/.test(node)) return false;
  if (!node.includes('AWS::')) return kindOf(node) === 'service' || kindOf(node) === 'function';
  return /AWS::(Lambda::Function|ECS::|EC2::|ElasticBeanstalk)/.test(node);
}

/**
 * The node a parameter name or a list of files points at: the application node whose name shares
 * the longest run of letters (at least four) with one of the words. Same-named nodes resolve to the
 * most specific one (an `_AWS::` resource over its client view, then the longer name). `accept`
 * narrows the nodes that can hold the change (a deploy changes code, so only nodes that run code).
 */
export function nodeNamedBy(text: string, nodes: readonly string[], accept: (node: string) => boolean = () => true): string | null {
  const words = text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 4);
  let best: { node: string; score: number } | null = null;
  for (const node of [...nodes].sort()) {
    const k = kindOf(node);
    if ((k !== 'service' && k !== 'function') || /_(client|remote)$/.test(node) || !accept(node)) continue;
    const s = stem(node);
    const score = Math.max(0, ...words.map((w) => longestCommon(w, s)));
    if (score < 4) continue;
    const better =
      !best || score > best.score || (score === best.score && (node.includes('_AWS::') !== best.node.includes('_AWS::') ? node.includes('_AWS::') : node.length > best.node.length));
    if (better) best = { node, score };
  }
  return best?.node ?? null;
}

/**
 * The change an issue's reproducibility command made, if it made one (SOURCE.md).
 *
 * - A parameter is named by its own last path segment: the segments before it are a namespace
 *   that every parameter of the application shares (`/petstore/...`), so they name no node.
 * - `sed` with any flags before `-i` (`sed -E -i`) edits files; the files are the words that look
 *   like paths with an extension (not the sed expression, not an ARN), and the deploy lands on the
 *   node that runs that code.
 */
export function parseInjection(command: string, nodes: readonly string[]): Injection {
  const ssm = /aws\s+ssm\s+put-parameter\b.*?--name\s+['"]?([^'"\s]+)['"]?.*?--value\s+['"]?([^'"\s]*)['"]?/.exec(command);
  if (ssm) {
    const [, key = '', value = ''] = ssm;
    const own = key.split('/').filter((x) => x !== '').at(-1) ?? key;
    const service = nodeNamedBy(own, nodes);
    return service ? { kind: 'config', service, key, value } : { kind: 'none', reason: `no node named by parameter ${key}` };
  }
  if (/\bsed\s+(?:-[A-Za-z]+\s+)*-[A-Za-z]*i\b/.test(command) && /deploy/.test(command)) {
    const files = command
      .split(/\s+/)
      .map((w) => w.replace(/^['"]|['"]$/g, ''))
      .filter((w) => /^[\w./-]+\.[A-Za-z0-9]+$/.test(w) && w.includes('/') && !/^s[/|#]/.test(w));
    const words = files.flatMap((f) => f.split('/').filter((x) => x !== '' && x !== '.' && x !== '..'));
    const service = nodeNamedBy(words.join(' '), nodes, runsCode);
    return service ? { kind: 'deploy', service, summary: files.join(' ') } : { kind: 'none', reason: 'no node named by the edited files' };
  }
  return { kind: 'none', reason: 'load injection: no change' };
}

export interface PetShopIssue {
  scenario: string;
  split: 'train' | 'test';
  issue: string;
  targetNode: string;
  targetMetric: string;
  targetAt: number;
  rootCause: string;
  command: string;
}

/** Parses a target.json; the problem is named when a field is missing. */
export function parseTarget(scenario: string, split: 'train' | 'test', issue: string, json: unknown): PetShopIssue {
  const o = json as { target?: { node?: unknown; metric?: unknown; timestamp?: unknown }; root_cause?: { node?: unknown }; metadata?: { reproducibility?: { command?: unknown } } };
  const where = `${scenario}/${split}/${issue}/target.json`;
  const str = (v: unknown, name: string): string => {
    if (typeof v !== 'string' || v === '') throw new Error(`${where}: ${name} must be a non-empty string`);
    return v;
  };
  const ts = o.target?.timestamp;
  if (typeof ts !== 'number') throw new Error(`${where}: target.timestamp must be a number`);
  return {
    scenario,
    split,
    issue,
    targetNode: str(o.target?.node, 'target.node'),
    targetMetric: str(o.target?.metric, 'target.metric'),
    targetAt: ts,
    rootCause: str(o.root_cause?.node, 'root_cause.node'),
    command: typeof o.metadata?.reproducibility?.command === 'string' ? o.metadata.reproducibility.command : '',
  };
}

export type Variant = 'changes' | 'no-changes' | 'decoys';
export const VARIANTS: readonly Variant[] = ['changes', 'no-changes', 'decoys'];

export interface ConvertedIssue {
  events: CloudEventInput[];
  incident: string;
  injection: Injection;
  detections: Detection[];
}

const BUCKET_S = 300;

/**
 * One issue as a self-contained event set: the graph a day before, the alerts the detector fired,
 * the change (per variant), and the incident opened at the end of the issue's window with the
 * target node as its symptom. `given` replaces the injection read from the issue's command.
 */
export function convertIssue(graph: CallGraph, detector: Detector, metrics: MetricsTable, issue: PetShopIssue, variant: Variant, given?: Injection): ConvertedIssue {
  const events: CloudEventInput[] = [];
  const source = `petshop/${issue.scenario}/${issue.split}/${issue.issue}`;
  const iso = (s: number): string => new Date(Math.round(s * 1000)).toISOString();
  const emit = (type: CloudEventInput['type'], atS: number, data: Record<string, unknown>): void => {
    events.push({ specversion: '1.0', id: `e${events.length + 1}`, source, type, time: iso(atS), data } as CloudEventInput);
  };
  const first = Math.min(...metrics.timestamps, issue.targetAt);
  const last = Math.max(...metrics.timestamps, issue.targetAt);
  const nodes = [...new Set([...graph.nodes, ...metrics.series.map((s) => s.node), issue.targetNode])].filter((n) => n !== '').sort();
  const since = first - 86_400;
  for (const n of nodes) emit('service.upserted', since, { service: n, kind: kindOf(n) });
  for (const [from, to] of graph.calls) emit('dependency.upserted', since, { from, to });

  const callers = new Map<string, string[]>();
  const callees = new Map<string, string[]>();
  for (const [from, to] of graph.calls) {
    (callers.get(to) ?? callers.set(to, []).get(to))?.push(from);
    (callees.get(from) ?? callees.set(from, []).get(from))?.push(to);
  }
  // A callers' view that stands for a node (a load balancer, an API Gateway endpoint) is its front door.
  const aliases = frontDoors(graph.calls, nodes);
  for (const [n, alias] of aliases) {
    for (const c of callers.get(n) ?? []) if (c !== alias) emit('dependency.upserted', since, { from: c, to: alias });
  }
  const detections = detect(detector, metrics);
  let alertN = 0;
  const fire = (d: Detection, service: string, dependency?: string): void => {
    const data = {
      alert: `${source}/a${++alertN}`,
      service,
      signal: d.signal,
      severity: d.signal === 'traffic' ? 'warning' : 'critical',
      ...(d.level ?? {}),
      summary: `z ${d.z.toFixed(2)} over the no-issue baseline`,
      ...(d.onsetObserved ? {} : { onsetObserved: false }),
      ...(dependency === undefined || dependency === service ? {} : { dependency }),
    };
    emit('alert.fired', d.at, data);
    // While it fires, the alert's notifications carry the series' current level (the firing time stays the first).
    for (const x of d.later ?? []) emit('alert.fired', x.at, { ...data, value: x.value });
  };
  for (const d of detections) {
    // X-Ray's `_remote` and `_client` nodes are measured on the calling side: their alerts are
    // client-side alerts on one edge (CONTRACT `dependency`), raised by whoever makes the calls.
    const remoteCallers = /_remote$/.test(d.node) ? (callers.get(d.node) ?? []) : [];
    if (remoteCallers.length > 0) for (const c of remoteCallers) fire(d, c, aliases.get(d.node) ?? d.node);
    else if (/_client$/.test(d.node) && (callees.get(d.node) ?? []).length === 1) fire(d, d.node, callees.get(d.node)?.[0]);
    else fire(d, d.node);
  }

  const injection = given ?? parseInjection(issue.command, nodes);
  const changeAt = first - BUCKET_S;
  if (variant !== 'no-changes') {
    if (injection.kind === 'config') emit('config.changed', changeAt, { change: `${source}/change`, service: injection.service, key: injection.key, value: injection.value });
    if (injection.kind === 'deploy') emit('deploy.started', changeAt, { deploy: `${source}/deploy`, service: injection.service, version: 'injected', changes: [injection.summary] });
  }
  if (variant === 'decoys') {
    // Innocent changes on other application nodes around the same time, drawn from a seed per issue.
    const seed = [...source].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);
    const r = createRandom(seed);
    const changed = injection.kind === 'none' ? null : injection.service;
    const apps = nodes.filter((n) => (kindOf(n) === 'service' || kindOf(n) === 'function') && n !== changed && !/_(client|remote)$/.test(n));
    const picks = r.shuffled(apps).slice(0, 2);
    picks.forEach((n, i) => {
      const at = changeAt + r.between(-2, 2) * BUCKET_S;
      if (i === 0) emit('deploy.started', at, { deploy: `${source}/decoy-deploy`, service: n, version: 'decoy' });
      else emit('config.changed', at, { change: `${source}/decoy-config`, service: n, key: 'decoy.setting', value: r.int(1, 100) });
    });
  }
  const incident = `${source}/incident`;
  emit('incident.opened', last + BUCKET_S, { incident, services: [issue.targetNode], title: `${issue.targetNode} ${issue.targetMetric}` });
  return { events, incident, injection, detections };
}
