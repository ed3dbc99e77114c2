/**
 * The control layer's benchmark, against its targets:
 * - policy evaluation alone, p99 <= 1 ms;
 * - proposeAction in process on a 10,000-service graph, p99 <= 10 ms (blast radius, shared-state
 *   snapshot, policy, atomic rate limit, two signed audit entries with a file sync);
 * - proposals per second under 50 concurrent agents over HTTP (GraphQL with token auth).
 *
 *   npx tsx bench/control.ts [--services 10000] [--dependencies 50000] [--proposals 2000] [--warmup 500] [--agents 50] [--seconds 10] [--redis] [--store-on-disk] [--no-enrolled] [--incidents 5]
 *
 * The agents are a mix (bench/control-agents.ts): half enrolled on the trust ladder of their own
 * services at various rungs, with the history that put them there and a grant on those services,
 * half never enrolled (some with a grant on every service, some with none), so that verdicts span
 * ALLOW, REQUIRE_APPROVAL and DENY. Every timed row prints its verdict mix and p50/p99 per verdict.
 * `--profile FILE`: a CPU profile (.cpuprofile) of the in-process "answered" row alone.
 * `--no-enrolled`: every agent never enrolled, with a grant on every service (every verdict DENY
 * with the ladder wired: the benchmark before the mix).
 *
 * Every in-process row is measured after `--warmup` questions of its own that are not counted
 * (the JIT, the caches the layer keeps, the heap's steady size); every measured sample is kept.
 * A proposal is answered before its records are durable (docs/control.md): the "until durable"
 * row times the same proposal until its audit entries are synced and its events stored, which is
 * what approving or executing it waits for. `--store-on-disk` keeps the graph in a data directory,
 * so that the action events wait for the event log's sync as in the app.
 *
 * `--redis` puts the shared state in Redis (REDIS_URL or 127.0.0.1:6379) under a throwaway prefix.
 * The control layer is wired as the app wires it: the trust ladder consulted on every agent
 * proposal, and action events written back through the pipeline. `--no-trust` leaves the ladder
 * out; `--no-trust-cache` asks it afresh on every proposal (the behaviour before trust lines were
 * kept).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { constants as perf, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createHttpServer } from '../src/api/server.js';
import type { ActionProposal, Identity } from '../src/control/action.js';
import { createAuditLog, createMemoryAuditSink, GENESIS_HASH } from '../src/control/audit.js';
import { type ControlService, createControlService } from '../src/control/control-service.js';
import { type OpenedControl, openControl } from '../src/control/open-control.js';
import { createMemorySharedState } from '../src/control/shared-state/memory.js';
import { evaluatePolicy } from '../src/control/policy.js';
import { DEFAULT_POLICY } from '../src/control/policy-file.js';
import { createPipeline } from '../src/ingest/pipeline.js';
import { silentLogger } from '../src/logger.js';
import { END_OF_TIME } from '../src/model/time.js';
import { createMetrics } from '../src/ops/metrics.js';
import { EmbeddedStore } from '../src/store/memory/embedded-store.js';
import { createBlastRadiusReader } from '../src/analysis/blast-radius-slice.js';
import { type AgentWorld, agentWorld } from './control-agents.js';
import { loadControlGraph } from './control-graph.js';
import { percentiles } from './measure.js';
import { createRandom } from './random.js';
import { openEventSourcedTrustStore } from '../src/trust-store/event-sourced.js';
import { createTrustService } from '../src/trust-store/trust-service.js';

const { values: opt } = parseArgs({
  allowNegative: true,
  options: {
    services: { type: 'string', default: '10000' },
    dependencies: { type: 'string', default: '50000' },
    proposals: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '500' },
    'store-on-disk': { type: 'boolean', default: false },
    agents: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    redis: { type: 'boolean', default: false },
    trust: { type: 'boolean', default: true },
    'trust-cache': { type: 'boolean', default: true },
    enrolled: { type: 'boolean', default: true },
    profile: { type: 'string' },
    incidents: { type: 'string', default: '5' },
  },
});
const services = Number(opt.services);
const dependencies = Number(opt.dependencies);
const proposals = Number(opt.proposals);
const warmup = Number(opt.warmup);
const agents = Number(opt.agents);
const seconds = Number(opt.seconds);
const openIncidents = Number(opt.incidents);
const fmt = (x: number): string => x.toFixed(3);
const row = (what: string, p: { p50: number; p99: number; max: number; n: number }, target: string, cpu = '', mix = '') =>
  console.log(`| ${what} | ${p.n} | ${fmt(p.p50)} | ${fmt(p.p99)} | ${fmt(p.max)} | ${cpu} | ${mix} | ${target} |`);
/** Short names of the answers, in the order rows list them. */
const CLASSES = ['ALLOW', 'REQUIRE_APPROVAL', 'DENY'];
const share = (keys: readonly string[]): string => {
  const counts: Record<string, number> = {};
  for (const k of keys) counts[k] = (counts[k] ?? 0) + 1;
  const order = [...CLASSES, ...Object.keys(counts).filter((k) => !CLASSES.includes(k)).sort()];
  return order.filter((k) => counts[k]).map((k) => `${k} ${(((counts[k] as number) * 100) / keys.length).toFixed(0)}%`).join(', ');
};
/** A row with its verdict mix, then one row per verdict: every sample is kept, each in its class. */
function rowsByVerdict(what: string, s: Samples, target: string): void {
  const cpuOf = (xs: readonly number[]): string => (xs.length === 0 ? '' : `${fmt(percentiles(xs).p50)} / ${fmt(percentiles(xs).p99)}`);
  row(what, percentiles(s.ms), target, cpuOf(s.cpuMs), share(s.keys));
  const classes = [...CLASSES, ...[...new Set(s.keys)].filter((k) => !CLASSES.includes(k)).sort()];
  for (const k of classes) {
    const idx = s.keys.flatMap((x, i) => (x === k ? [i] : []));
    if (idx.length === 0) continue;
    row(`&nbsp;&nbsp;${k}`, percentiles(idx.map((i) => s.ms[i] as number)), '', cpuOf(s.cpuMs.length > 0 ? idx.map((i) => s.cpuMs[i] as number) : []));
  }
}
interface Samples {
  ms: number[];
  /** When each sample started (performance.now()), to find the GC pauses within it. */
  startMs?: number[];
  /** Services each proposal's blast radius reached. */
  reach?: number[];
  /** CPU time of the process per sample (empty where not measured: concurrent requests share it). */
  cpuMs: number[];
  /** The answer: a verdict, or an error code. */
  keys: string[];
}

const dir = await mkdtemp(join(tmpdir(), 'ctxgraph-bench-control-'));
const { store } = await EmbeddedStore.open({ dataDir: opt['store-on-disk'] ? join(dir, 'data') : null });
const pipeline = createPipeline({ store });
const t0 = performance.now();
const gen = await loadControlGraph(pipeline, services, dependencies);
async function ingestOrThrow(events: readonly unknown[]): Promise<void> {
  const res = await pipeline.ingest(events);
  if (!res.ok) throw new Error(JSON.stringify(res.errors.slice(0, 3)));
}
const ids = gen.topology.services.map((s) => s.id);
// The agents and the history that put them on their rungs, in the graph before the trust store rebuilds from it.
const tWorld = performance.now();
const scout = createBlastRadiusReader({ reader: store, now: Date.now });
const { approval, deny } = DEFAULT_POLICY.blastRadius;
const world: AgentWorld = await agentWorld({
  agents,
  services: opt.enrolled ? gen.topology.services : [],
  now: Date.now(),
  r: createRandom(9),
  risk: async (service) => {
    const br = await scout.compute({ kind: 'DEPLOY', service }, { at: null, knownAt: END_OF_TIME });
    if (!br.ok) return null;
    const b = br.blastRadius;
    const share = (b.trafficShare ?? 0) * 0.1;
    if (share >= deny.trafficShare || b.tier1.length >= deny.tier1) return 'deny';
    return share < approval.trafficShare && b.tier1.length < approval.tier1 && b.zonesCrossed.length === 0 ? 'low' : 'approval';
  },
});
if (!opt.enrolled) for (const a of world.agents) a.granted = ['*'];
for (let i = 0; i < world.events.length; i += 5000) await ingestOrThrow(world.events.slice(i, i + 5000));
const pickTarget = (i: number, rr: ReturnType<typeof createRandom>): string => (opt.enrolled ? world.target(i, rr) : rr.pick(ids));
console.log(`store: ${opt['store-on-disk'] ? 'on disk (event log synced)' : 'in memory'}; ${warmup} warm-up proposals before each in-process row`);
console.log(`trust ladder: ${opt.trust ? (opt['trust-cache'] ? 'consulted, lines kept' : 'consulted afresh on every proposal') : 'not wired'}`);
console.log(`agents: ${opt.enrolled ? world.describe() : `${agents} never enrolled, each with a grant on every service`}; ${world.events.length} history events, set up in ${((performance.now() - tWorld) / 1000).toFixed(1)} s`);
console.log(`graph: ${ids.length} services, ${(await store.stats()).dependencies} dependencies, ${(await store.stats()).events} events, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

const tokens = Array.from({ length: agents }, (_, i) => ({ token: `bench-agent-token-${i}-${randomUUID()}`, id: `agent-${i}`, role: 'agent' as const, model: 'bench-model' }));
const human = { token: `bench-human-token-${randomUUID()}`, id: 'ann', role: 'human' as const };
const ingest = ingestOrThrow;
const trustStore = await openEventSourcedTrustStore({ reader: store, ingest: (events) => pipeline.ingest(events) });
const trust = createTrustService({ reader: store, store: trustStore, ingest: (events) => pipeline.ingest(events), logger: silentLogger });
const control: OpenedControl = await openControl({
  config: {
    policyFile: null,
    auditFile: join(dir, 'audit.ndjson'),
    auditKeyFile: join(dir, 'audit.key'),
    tokensFile: null,
    tokens: [...tokens, human],
    anonymousRead: false,
    redis: opt.redis ? { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `ctxgraph-bench:${randomUUID()}:` } : null,
  },
  reader: store,
  logger: silentLogger,
  ingest,
  actionEvents: ingest,
  ...(opt.trust ? { trust, keepTrustLines: opt['trust-cache'] } : {}),
});
const ann: Identity = { id: 'ann', role: 'human', model: null, scope: null };
for (const a of world.agents) {
  if (a.granted.length === 0) continue;
  const g = await control.service.grant(ann, { agent: a.id, services: a.granted, kinds: ['DEPLOY', 'RESTART', 'CONFIG_CHANGE'], ttlSeconds: 3600 });
  if (!g.ok) throw new Error(g.error.message);
}
const r = createRandom(5);
const proposal = (service: string): ActionProposal => ({ kind: 'DEPLOY', service, parameters: { version: 'v2' }, rolloutPercent: 10, reversible: true, destructive: false, justification: 'bench', evidence: [], model: null });

console.log('| measure | n | p50 ms | p99 ms | max ms | CPU p50 / p99 ms | verdicts | target |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');

// Policy alone, over real blast radii and snapshots.
const bot: Identity = { id: 'agent-0', role: 'agent', model: 'bench-model', scope: null };
const inputs = [];
for (let i = 0; i < 200; i++) {
  const who = { ...bot, id: `agent-${i % agents}` };
  const s = pickTarget(i, r);
  const br = await control.service.blastRadius({ kind: 'DEPLOY', service: s }, { at: null, knownAt: END_OF_TIME });
  const line = opt.trust ? await trust.trustVerdict(who, s) : null;
  if (br.ok) inputs.push({ identity: who, proposal: proposal(s), blastRadius: br.value, trust: line, snapshot: { kills: [], grants: await control.service.grants(who.id), deviations: 0, recentActions: 3 } });
}
const policy: Samples = { ms: [], cpuMs: [], keys: [] };
for (let i = 0; i < 20_000; i++) {
  const input = inputs[i % inputs.length] as (typeof inputs)[number];
  const s = performance.now();
  const d = evaluatePolicy({ ...input, policy: DEFAULT_POLICY, now: Date.now() });
  policy.ms.push(performance.now() - s);
  policy.keys.push(d.verdict);
}
rowsByVerdict('policy evaluation alone', policy, '<= 1 ms');

// Blast radius alone, then the whole proposeAction in process.
const brMs: number[] = [];
for (let i = 0; i < warmup + Math.min(500, proposals); i++) {
  const s = performance.now();
  await control.service.blastRadius({ kind: 'DEPLOY', service: pickTarget(i, r) }, { at: null, knownAt: END_OF_TIME });
  if (i >= warmup) brMs.push(performance.now() - s);
}
row('blast radius alone', percentiles(brMs), '');
// The trust verdict of an enrolled agent on one of its services, asked afresh (what a proposal
// whose line is not kept waits for): the review weighs its evidence (changes, causal links, the gate).
const onLadder = world.agents.flatMap((a, i) => (a.rungs.size > 0 ? [i] : []));
if (opt.trust && onLadder.length > 0) {
  const tv: Samples = { ms: [], cpuMs: [], keys: [] };
  for (let i = 0; i < warmup + Math.min(500, proposals); i++) {
    const a = onLadder[i % onLadder.length] as number;
    const who = { ...bot, id: `agent-${a}` };
    const service = r.pick([...(world.agents[a]?.rungs.keys() ?? [])]);
    const cpu = process.cpuUsage();
    const s = performance.now();
    const line = await trust.trustVerdict(who, service);
    if (i < warmup) continue;
    tv.ms.push(performance.now() - s);
    const used = process.cpuUsage(cpu);
    tv.cpuMs.push((used.user + used.system) / 1000);
    tv.keys.push(line.outcome);
  }
  rowsByVerdict('trust verdict alone, enrolled agent on its service, asked afresh', tv, '');
}
/**
 * Times `n` proposals after `warmup` uncounted ones; `durable` also waits until each is recorded.
 * Beside each, the CPU time of this process (all its threads: GC helpers and file syncs included):
 * on a shared machine the wall-clock p99 mostly measures the time the process was not running;
 * this says how much of it was work.
 */
/** Garbage-collection pauses of the main thread, as V8 reports them. */
const gcPauses: { start: number; ms: number; minor: boolean }[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, ms: e.duration, minor: (e as unknown as { detail?: { kind?: number } }).detail?.kind === perf.NODE_PERFORMANCE_GC_MINOR });
});
gcObserver.observe({ entryTypes: ['gc'] });
const tailNotes: string[] = [];
/**
 * What the row's slowest proposals (over its p99) had in them: a GC pause, and how far their blast
 * radius reached, against the row as a whole; and the pauses over the row.
 */
async function noteTail(what: string, s: Samples): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve)); // the observer's last entries
  const starts = s.startMs ?? [];
  const first = starts[0] ?? 0;
  const last = (starts.at(-1) ?? 0) + (s.ms.at(-1) ?? 0);
  const inRow = gcPauses.filter((g) => g.start >= first && g.start <= last);
  const gcIn = (i: number): number => inRow.filter((g) => g.start >= (starts[i] as number) && g.start < (starts[i] as number) + (s.ms[i] as number)).reduce((a, g) => a + g.ms, 0);
  const p99 = percentiles(s.ms).p99;
  const slow = s.ms.flatMap((x, i) => (x >= p99 ? [i] : []));
  const med = (xs: number[]): number => percentiles(xs).p50;
  const minor = inRow.filter((g) => g.minor);
  const major = inRow.filter((g) => !g.minor);
  tailNotes.push(
    `${what}: ${minor.length} scavenges (${fmt(minor.reduce((a, g) => a + g.ms, 0))} ms, p50 ${fmt(med(minor.map((g) => g.ms)))} / max ${fmt(Math.max(0, ...minor.map((g) => g.ms)))} ms), ` +
      `${major.length} other GC pauses (${fmt(major.reduce((a, g) => a + g.ms, 0))} ms) over ${fmt((last - first) / 1000)} s; ` +
      `the ${slow.length} proposals at or over p99 (${fmt(p99)} ms): ${slow.filter((i) => gcIn(i) > 0).length} with a GC pause in them (p50 pause ${fmt(med(slow.map(gcIn)))} ms), ` +
      `p50 reach ${med(slow.map((i) => s.reach?.[i] ?? 0))} services (all proposals: ${med(s.reach ?? [])})`,
  );
}
/** One timed proposal into `out`: its wall time since `start`, CPU since `cpu`, answer and reach. */
function recordSample(out: Samples, res: Awaited<ReturnType<ControlService['propose']>>, start: number, cpu: NodeJS.CpuUsage): void {
  out.ms.push(performance.now() - start);
  const used = process.cpuUsage(cpu);
  out.cpuMs.push((used.user + used.system) / 1000);
  out.keys.push(res.ok ? res.value.record.verdict : res.error.code);
  out.startMs?.push(start);
  out.reach?.push(res.ok ? res.value.blastRadius.services.length : 0);
}
/** Which primitives denied, over the in-process rows. */
const denials: Record<string, number> = {};
async function timeProposals(service: Pick<ControlService, 'propose' | 'flush'>, durable: boolean): Promise<Samples> {
  const out: Samples = { ms: [], cpuMs: [], keys: [], startMs: [], reach: [] };
  for (let i = 0; i < warmup + proposals; i++) {
    const who = { ...bot, id: `agent-${i % agents}` };
    const target = pickTarget(i, r);
    const cpu = process.cpuUsage();
    const s = performance.now();
    const res = await service.propose(who, proposal(target));
    if (durable) await service.flush();
    if (i < warmup) continue;
    recordSample(out, res, s, cpu);
    if (res.ok && res.value.record.verdict === 'DENY') for (const l of res.value.record.reasons) if (l.outcome === 'DENY') denials[l.primitive] = (denials[l.primitive] ?? 0) + 1;
  }
  await service.flush();
  return out;
}

const where = `${opt.redis ? 'Redis' : 'in-process'} state, file audit`;
/** Runs `work` under the CPU profiler when `--profile` asks for it. */
async function profiled<T>(work: () => Promise<T>): Promise<T> {
  if (!opt.profile) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const value = await work();
  const { profile } = await session.post('Profiler.stop');
  await writeFile(opt.profile, JSON.stringify(profile));
  session.disconnect();
  return value;
}
const answered = await profiled(() => timeProposals(control.service, false));
rowsByVerdict(`proposeAction in process (${where}), answered`, answered, '<= 10 ms');
await noteTail('answered', answered);
const untilDurable = await timeProposals(control.service, true);
rowsByVerdict(`proposeAction in process (${where}), until durable`, untilDurable, '');
await noteTail('until durable', untilDurable);

// The same with the audit in memory: what the proposal costs without waiting for a disk sync.
const { privateKey } = generateKeyPairSync('ed25519');
const noDisk = createControlService({
  reader: store,
  state: createMemorySharedState(),
  audit: createAuditLog({ key: privateKey, sink: createMemoryAuditSink(), start: { seq: 0, hash: GENESIS_HASH } }),
  policy: { current: () => DEFAULT_POLICY, reload: () => Promise.resolve({ ok: true, policy: DEFAULT_POLICY }), watch: () => undefined, close: () => undefined },
  verifyAudit: () => Promise.reject(new Error('not measured')),
  logger: silentLogger,
});
for (const a of world.agents) if (a.granted.length > 0) await noDisk.grant(ann, { agent: a.id, services: a.granted, kinds: ['DEPLOY'], ttlSeconds: 3600 });
const inMemory = await timeProposals(noDisk, false);
rowsByVerdict('proposeAction in process (in-process state, audit in memory, no trust ladder)', inMemory, '<= 10 ms');
await noteTail('audit in memory', inMemory);

// Alerts that arrive after they began firing (Alertmanager sends `startsAt` once a rule's `for:`
// has passed): one dated two minutes back lands before each proposal. The graph watch places it by
// when it was recorded, so the topology caches stand (until 2026-12-03 it emptied them all).
{
  const ra = createRandom(23);
  const late: Samples = { ms: [], cpuMs: [], keys: [], startMs: [], reach: [] };
  for (let i = 0; i < 200; i++) {
    const at = Date.now() - 2 * 60_000;
    await ingestOrThrow([{ specversion: '1.0', id: `bench-late-${i}`, source: 'bench/alerts', type: 'alert.fired', time: new Date(at).toISOString(), data: { alert: `late-${i}`, service: ra.pick(ids), signal: 'latency', severity: 'warning' } }]);
    const cpu = process.cpuUsage();
    const t = performance.now();
    recordSample(late, await noDisk.propose({ ...bot, id: `agent-${i % agents}` }, proposal(pickTarget(i, r))), t, cpu);
  }
  rowsByVerdict('proposeAction right after an alert that arrived 2 min after it fired', late, 'reported');
}

// Open incidents: every verdict names those whose failing services the action touches (the
// incident primitive). With them open, proposals read the kept analyses; the one right after an
// incident opens waits for an analysis of every open incident.
if (openIncidents > 0) {
  const ri = createRandom(17);
  let n = 0;
  const incidentEvents = (id: string, service: string, at: number): unknown[] => [
    { specversion: '1.0', id: `bench-${id}-alert`, source: 'bench/control', type: 'alert.fired', time: new Date(at - 10 * 60_000).toISOString(), data: { alert: `${id}-alert`, service, signal: 'errors', severity: 'critical' } },
    { specversion: '1.0', id: `bench-${id}-open`, source: 'bench/control', type: 'incident.opened', time: new Date(at - 5 * 60_000).toISOString(), data: { incident: id, services: [service] } },
  ];
  await ingestOrThrow(Array.from({ length: openIncidents }, () => incidentEvents(`bench-inc-${++n}`, ri.pick(ids), Date.now())).flat());
  const withIncidents = await timeProposals(noDisk, false);
  rowsByVerdict(`proposeAction in process (in-process state, audit in memory, no trust ladder), ${openIncidents} incidents open`, withIncidents, '<= 10 ms');
  const afterChange: Samples = { ms: [], cpuMs: [], keys: [], startMs: [], reach: [] };
  for (let i = 0; i < 50; i++) {
    const id = `bench-inc-${++n}`;
    await ingestOrThrow(incidentEvents(id, ri.pick(ids), Date.now()));
    const cpu = process.cpuUsage();
    const t = performance.now();
    recordSample(afterChange, await noDisk.propose({ ...bot, id: `agent-${i % agents}` }, proposal(pickTarget(i, r))), t, cpu);
    await ingestOrThrow([{ specversion: '1.0', id: `bench-${id}-resolved`, source: 'bench/control', type: 'incident.resolved', time: new Date().toISOString(), data: { incident: id } }]);
  }
  rowsByVerdict(`proposeAction right after an incident opened (${openIncidents + 1} open)`, afterChange, 'reported');
  await noteTail('right after an incident opened', afterChange);
}

// 50 agents over HTTP, each with its own token and keep-alive connection, for a fixed time.
const metrics = createMetrics(store, { processMetrics: false });
const server = createHttpServer({ store, pipeline, metrics, ready: () => true, logger: silentLogger, control: control.wiring, ...(opt.trust ? { trust: { service: trust } } : {}) });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
const QUERY = 'mutation ($input: ProposeActionInput!) { proposeAction(input: $input) { __typename ... on ActionDecision { verdict } ... on ControlError { code } } }';
const http: Samples = { ms: [], cpuMs: [], keys: [] };
const httpCpu = process.cpuUsage();
const until = performance.now() + seconds * 1000;
await Promise.all(
  tokens.map(async (t, i) => {
    const rr = createRandom(100 + i);
    while (performance.now() < until) {
      const body = JSON.stringify({ query: QUERY, variables: { input: { kind: 'DEPLOY', service: pickTarget(i, rr), rolloutPercent: 10, justification: 'bench', parameters: { version: 'v2' } } } });
      const s = performance.now();
      // fetch keeps connections alive through its global dispatcher.
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` }, body });
      const json = (await res.json()) as { data?: { proposeAction?: { __typename: string; verdict?: string; code?: string } } };
      http.ms.push(performance.now() - s);
      const a = json.data?.proposeAction;
      http.keys.push(a ? (a.verdict ?? a.code ?? a.__typename) : `HTTP ${res.status}`);
    }
  }),
);
const httpUsed = process.cpuUsage(httpCpu);
rowsByVerdict(`proposeAction over HTTP, ${agents} concurrent agents`, http, 'throughput');
// Generated history retires some services: proposals on them answer UNKNOWN_SERVICE.
console.log(`\nHTTP: ${(http.ms.length / seconds).toFixed(0)} proposals/s over ${seconds} s, CPU ${(((httpUsed.user + httpUsed.system) / 1000) / http.ms.length).toFixed(3)} ms per proposal (server and clients, one process)`);
console.log(`\n${tailNotes.join('\n')}`);
gcObserver.disconnect();
console.log(`denied by (in process, a denial may have several): ${JSON.stringify(denials)}`);
const audit = await control.service.verifyAudit();
console.log(`audit: ${audit.entries} entries, verifies: ${audit.ok}`);

server.closeAllConnections();
await new Promise<void>((resolve) => server.close(() => resolve()));
await control.close();
await store.close();
await rm(dir, { recursive: true, force: true });
