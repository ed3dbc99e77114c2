/**
 * PetShop-like training issues, pure: real no-issue metrics of a PetShop scenario with a fault
 * injected on any node of its call graph, so that rules can be tuned on PetShop's own noise, call
 * graph and 5-minute buckets without looking at its test split (whose faults sit on nodes that its
 * train split, all PetSearch, never has).
 *
 * - The baseline is cut in two: the detector is fitted on the first part only and the issues'
 *   windows are drawn from the rest, so their noise is out of sample as a real issue's is.
 * - A fault starts in one of a window's first buckets (a share of that bucket, then whole; or
 *   already on when the window opens) and reaches every caller of its node up the call graph,
 *   weakened by a random share at each hop (the share of the caller's calls that go that way);
 *   a load balancer in front of a node sees what the node does.
 *   - `latency`: the node's latency grows by a factor; each caller's grows by a share of what the
 *     node's grew (latency adds up along calls);
 *   - `errors`: the node's availability drops by some points; callers' by a share of them. The
 *     node's own availability often shows less of it than its callers' views do, or nothing (on
 *     PetShop's train, PetSearch's own availability fired in 6 of its 10 error injections, the load
 *     balancer in front of it in all 10): 40% of the time none, else a share of 0.3 to 1;
 *   - `saturation`: the node's requests multiply and its latency grows (no change behind it).
 * - The symptom is the front end (PetSite) when the fault reaches it and shows there, else the
 *   entry node (no callers) that the fault reaches and shows most, on the fault's metric; an issue
 *   whose symptom stays under its detector threshold is drawn again (nobody labels an issue nobody
 *   saw).
 * - Latency and errors faults on a node that runs code come with a change (config or deploy) on
 *   it half the time, as PetShop's injections do; the converter's variants then drop it or add
 *   decoys.
 */
import { createRandom, type Random } from '../random.js';
import { type CallGraph, type Detector, fitDetector, frontDoors, type Injection, kindOf, type MetricsTable, type PetShopIssue, runsCode, type Series } from './petshop-convert.js';

export type SynthFault = 'latency' | 'errors' | 'saturation';
export const SYNTH_FAULTS: readonly SynthFault[] = ['latency', 'errors', 'saturation'];

export interface SynthIssue {
  issue: PetShopIssue;
  metrics: MetricsTable;
  injection: Injection;
  fault: SynthFault;
  /** The bucket of the window where the fault began (0: already on when the window opens). */
  start: number;
}

const BUCKET_S = 300;
/** The node every PetShop train issue's fault was injected on. */
const TRAIN_ROOT = 'PetSearch_AWS::ECS::Fargate';
/** The web front end, where PetShop's users are. */
const FRONT = 'PetSite';
const WINDOW = 5;
/** The share of the baseline the detector is fitted on; windows come from the rest. */
const FIT_SHARE = 0.6;

/**
 * How often each kind of node is the root, from what SOURCE.md says PetShop injected (request
 * overload, memory leaks, CPU hogs, misconfigurations: mostly in code, some in stores), fixed
 * before any figure was seen; never read from the test split's labels.
 */
const ROOT_KINDS: readonly { kind: ReturnType<typeof kindOf>; weight: number }[] = [
  { kind: 'service', weight: 0.35 },
  { kind: 'function', weight: 0.3 },
  { kind: 'database', weight: 0.2 },
  { kind: 'external', weight: 0.1 },
  { kind: 'queue', weight: 0.05 },
];

/** Rows [from, to) of a table. */
export function sliceTable(t: MetricsTable, from: number, to: number): MetricsTable {
  return { timestamps: t.timestamps.slice(from, to), series: t.series.map((s) => ({ ...s, values: s.values.slice(from, to) })) };
}

/** The detector fitted on the first part of a baseline, and the part left for drawing windows. */
export function splitBaseline(baseline: MetricsTable): { detector: Detector; pool: MetricsTable } {
  const cut = Math.floor(baseline.timestamps.length * FIT_SHARE);
  return { detector: fitDetector([sliceTable(baseline, 0, cut)]), pool: sliceTable(baseline, cut, baseline.timestamps.length) };
}

/** Who sees a node fail: its callers, and a callers' view that stands for it (a load balancer, an API Gateway endpoint). */
function watchers(graph: CallGraph, views: ReadonlyMap<string, string>): Map<string, string[]> {
  const up = new Map<string, string[]>();
  const add = (callee: string, caller: string): void => {
    const l = up.get(callee) ?? up.set(callee, []).get(callee) ?? [];
    if (!l.includes(caller)) l.push(caller);
  };
  for (const [from, to] of graph.calls) add(to, from);
  for (const [view, node] of views) add(node, view);
  return up;
}

/** Every node a fault on `root` reaches, with the share of it that arrives (largest over paths). */
function reach(root: string, up: Map<string, string[]>, share: (from: string, to: string) => number): Map<string, number> {
  const got = new Map<string, number>([[root, 1]]);
  const queue = [root];
  while (queue.length > 0) {
    const n = queue.shift() as string;
    const here = got.get(n) ?? 0;
    for (const c of up.get(n) ?? []) {
      const s = here * share(n, c);
      if (s > (got.get(c) ?? 0) + 1e-9) {
        got.set(c, s);
        queue.push(c);
      }
    }
  }
  return got;
}

const seriesOf = (t: MetricsTable, node: string, metric: string): Series[] => t.series.filter((s) => s.node === node && s.metric === metric);

/** The largest robust z a node's series of one metric reach in a window, against the detector. */
function peakZ(detector: Detector, t: MetricsTable, node: string, metric: 'latency' | 'availability'): { z: number; over: boolean } {
  const sign = metric === 'latency' ? 1 : -1;
  let best = { z: -Infinity, over: false };
  for (const s of seriesOf(t, node, metric)) {
    const m = detector.get(`${s.node}\u0000${s.metric}\u0000${s.stat}`);
    if (!m) continue;
    for (const v of s.values) {
      if (v === null) continue;
      const z = (sign * (v - m.median)) / m.scale;
      if (z > best.z) best = { z, over: z > m.threshold };
    }
  }
  return best;
}

interface Draw {
  root: string;
  fault: SynthFault;
  start: number;
  startShare: number;
  factor: number;
  points: number;
  load: number;
  /** The share of its own failing requests a node's own availability shows (callers' views show them all). */
  ownErrors: number;
  shares: Map<string, number>;
}

/** The least latency a root's fault adds to, in PetShop's unit (seconds): one millisecond. */
const MIN_LATENCY_S = 0.001;

/** The window with the fault applied: `effect(i)` is the share of the fault on in bucket i. */
function inject(window: MetricsTable, d: Draw): MetricsTable {
  const effect = (i: number): number => (i < d.start ? 0 : i === d.start ? d.startShare : 1);
  const rootLatency = seriesOf(window, d.root, 'latency').find((s) => s.stat === 'Average');
  // PetShop's latencies are seconds: the root's highest in the window, never below a millisecond.
  const base = Math.max(MIN_LATENCY_S, ...(rootLatency?.values.filter((v): v is number => v !== null) ?? [MIN_LATENCY_S]));
  const added = (d.factor - 1) * base;
  return {
    timestamps: window.timestamps,
    series: window.series.map((s) => {
      const share = d.shares.get(s.node);
      if (share === undefined) return s;
      const values = s.values.map((v, i) => {
        const e = effect(i);
        if (v === null || e === 0) return v;
        if (s.metric === 'latency' && (d.fault === 'latency' || d.fault === 'saturation')) return s.node === d.root ? v * (1 + (d.factor - 1) * e) : v + added * share * e;
        if (s.metric === 'availability' && d.fault === 'errors') return Math.max(0, v - d.points * (s.node === d.root ? d.ownErrors : share) * e);
        // Failing requests slow the node that fails them (PetShop's own error injections on PetSearch
        // fired its latency alert in every train issue): half the rise a latency fault of the same draw makes.
        if (s.metric === 'latency' && d.fault === 'errors' && s.node === d.root) return v * (1 + ((d.factor - 1) / 2) * e);
        if (s.metric === 'requests' && d.fault === 'saturation' && s.node === d.root) return v * (1 + (d.load - 1) * e);
        return v;
      });
      return { ...s, values };
    }),
  };
}

/**
 * The window with the issue-period background of a real train issue: every series of a node that
 * PetSearch's fault could not reach takes that issue window's values (PetShop's issue windows carry
 * anomalies its no-issue baseline lacks: other days, other load), while PetSearch and the nodes that
 * see it keep the baseline's, so no train fault is carried over.
 */
export function withIssueBackground(window: MetricsTable, background: MetricsTable, reached: ReadonlySet<string>): MetricsTable {
  const key = (x: Series): string => `${x.node}\u0000${x.metric}\u0000${x.stat}`;
  const other = new Map(background.series.map((x) => [key(x), x]));
  return {
    timestamps: window.timestamps,
    series: window.series.map((x) => {
      const b = other.get(key(x));
      return reached.has(x.node) || !b ? x : { ...x, values: window.timestamps.map((_, i) => b.values[i] ?? null) };
    }),
  };
}

function drawOne(r: Random, graph: CallGraph, detector: Detector, pool: MetricsTable, scenario: string, n: number, backgrounds: readonly MetricsTable[] = []): SynthIssue | null {
  const nodes = [...new Set([...graph.nodes, ...pool.series.map((s) => s.node)])].filter((x) => x !== '').sort();
  const views = frontDoors(graph.calls, nodes);
  const up = watchers(graph, views);
  // Only a node with data can show a fault (some of PetShop's nodes have none in a baseline).
  const measured = new Set(pool.series.filter((s) => s.metric === 'latency' && detector.has(`${s.node}\u0000${s.metric}\u0000${s.stat}`) && s.values.some((v) => v !== null)).map((s) => s.node));
  // A fault lives where something runs or is stored, not in a caller's view of it.
  const roots = nodes.filter((x) => measured.has(x) && !/_client$/.test(x) && !/\.elb\.amazonaws\.com_remote$/i.test(x) && !views.has(x));
  const fault = r.pick(SYNTH_FAULTS);
  const kinds = ROOT_KINDS.filter((k) => roots.some((x) => kindOf(x) === k.kind));
  const kind = r.weighted(kinds, kinds.map((k) => k.weight)).kind;
  const root = r.pick(roots.filter((x) => kindOf(x) === kind));
  const edgeShare = new Map<string, number>();
  const share = (from: string, to: string): number => {
    const k = `${from}\u0000${to}`;
    const got = edgeShare.get(k) ?? r.between(0.25, 1);
    edgeShare.set(k, got);
    return got;
  };
  const shares = reach(root, up, share);
  const entries = [...shares.keys()].filter((x) => (up.get(x) ?? []).length === 0 && measured.has(x));
  if (entries.length === 0) return null;
  const startAt = r.int(0, pool.timestamps.length - WINDOW);
  const quiet = sliceTable(pool, startAt, startAt + WINDOW);
  const window = backgrounds.length === 0 ? quiet : withIssueBackground(quiet, r.pick(backgrounds), new Set(reach(TRAIN_ROOT, up, () => 1).keys()));
  const d: Draw = {
    root,
    fault,
    start: r.weighted([0, 1, 2], [0.2, 0.5, 0.3]),
    startShare: r.between(0.2, 1),
    factor: r.between(1.5, 8),
    points: r.between(1, 30),
    load: r.between(2, 5),
    ownErrors: r.chance(0.4) ? 0 : r.between(0.3, 1),
    shares,
  };
  const metrics = inject(window, d);
  const metric = fault === 'errors' ? 'availability' : 'latency';
  const seen = entries.map((e) => ({ e, ...peakZ(detector, metrics, e, metric) })).filter((x) => x.over);
  if (seen.length === 0) return null;
  // Users notice at the front end when the fault reaches it; else where it shows most.
  seen.sort((a, b) => Number(b.e === FRONT) - Number(a.e === FRONT) || b.z - a.z || (a.e < b.e ? -1 : 1));
  const target = (seen[0] as { e: string }).e;
  const t0 = metrics.timestamps[0] as number;
  const issue: PetShopIssue = {
    scenario: `${scenario}+synth`,
    split: 'train',
    issue: `synth_${n}`,
    targetNode: target,
    targetMetric: metric,
    targetAt: t0 + (d.start + r.between(0.5, 1.5)) * BUCKET_S,
    rootCause: root,
    command: '',
  };
  const canChange = fault !== 'saturation' && runsCode(root) && (kindOf(root) === 'service' || kindOf(root) === 'function');
  const injection: Injection = !canChange || r.chance(0.5)
    ? { kind: 'none', reason: 'synthetic fault with no change' }
    : r.chance(0.6)
      ? { kind: 'config', service: root, key: '/petstore/synthetic', value: String(r.int(1, 1000)) }
      : { kind: 'deploy', service: root, summary: 'synthetic code change' };
  return { issue, metrics, injection, fault, start: d.start };
}

/** `count` PetShop-like issues from a scenario's baseline, the same for the same seed. */
export function synthIssues(graph: CallGraph, baseline: MetricsTable, scenario: string, count: number, seed: number, backgrounds: readonly MetricsTable[] = []): { detector: Detector; issues: SynthIssue[] } {
  const { detector, pool } = splitBaseline(baseline);
  const r = createRandom(seed);
  const issues: SynthIssue[] = [];
  for (let tries = 0; issues.length < count && tries < count * 50; tries++) {
    const x = drawOne(r, graph, detector, pool, scenario, issues.length, backgrounds);
    if (x) issues.push(x);
  }
  return { detector, issues };
}
