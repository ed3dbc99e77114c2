/**
 * `npm run bench`: ingest, slice reads, restart and memory at 10,000 services, 50,000 dependencies
 * and 1,000,000 events, each against a naive baseline measured in the same run.
 *
 *   npm run bench                      # full scale; writes bench/results/latest.{json,md}
 *   npm run bench -- --scale small     # a quick check; writes bench/results/latest-small.{json,md}
 *   BENCH_SCALE=tiny npm run bench
 *
 * Flags: --scale tiny|small|medium|full, --seed N, --keep (keep the temporary data directory).
 * Memory is measured after full collections, so the script restarts itself under `--expose-gc`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createHttpServer } from '../src/api/server.js';
import { ingestFiles, PARALLEL_FROM_BYTES } from '../src/ingest/file.js';
import { defaultWorkers } from '../src/ingest/file-workers.js';
import { createPipeline } from '../src/ingest/pipeline.js';
import { silentLogger } from '../src/logger.js';
import { END_OF_TIME, type Instant } from '../src/model/time.js';
import { createMetrics } from '../src/ops/metrics.js';
import { EmbeddedStore, type RecoveryReport } from '../src/store/memory/embedded-store.js';
import { writeSnapshot } from '../src/store/memory/snapshot.js';
import { DEFAULT_START, generate, type Scale, SCALES } from './generate.js';
import { cutBodies, poster, postAll } from './http-load.js';
import { cpuNote, gcWatch, percentiles, settledHeap, timed, writeNdjson } from './measure.js';
import { NaiveFacts } from './naive.js';
import { createRandom } from './random.js';
import { machine, type Row, writeResults } from './report.js';

const { values: flags } = parseArgs({
  options: {
    scale: { type: 'string', default: process.env.BENCH_SCALE ?? 'full' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});

/** How many questions each side answers: the naive side scans everything per question, so it gets fewer. */
const QUERIES: Record<Scale, { ours: number; naive: number; graphAt: number; naiveGraphAt: number; singles: number }> = {
  tiny: { ours: 500, naive: 50, graphAt: 30, naiveGraphAt: 10, singles: 200 },
  small: { ours: 2_000, naive: 30, graphAt: 30, naiveGraphAt: 10, singles: 1_000 },
  medium: { ours: 2_000, naive: 15, graphAt: 20, naiveGraphAt: 5, singles: 2_000 },
  full: { ours: 1_000, naive: 5, graphAt: 10, naiveGraphAt: 3, singles: 2_000 },
};
const DEPTH = 3;
const HTTP_BATCH = 2_000;
const HTTP_CONNECTIONS = 4;
const FILE_BATCH = 5_000;
/** The door's default: one worker thread per core beside the store's own thread, one to four. */
const FILE_WORKERS = defaultWorkers();

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function listen(store: EmbeddedStore) {
  const pipeline = createPipeline({ store });
  const server = createHttpServer({ store, pipeline, metrics: createMetrics(store, { processMetrics: false }), ready: () => true, logger: silentLogger });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  // Keep-alive connections would hold close() open until they time out.
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { port, close };
}

interface Restart {
  ms: number;
  cpuMs: number;
  events: number;
  recovery: RecoveryReport;
  /** Wall time of the whole child process: start, module loading, the open, and its shutdown. */
  processMs: number;
}

/** Opens `dataDir` in a fresh process (bench/restart-profile.ts) and returns what the open took there. */
async function restartInChild(dataDir: string): Promise<Restart> {
  const script = fileURLToPath(new URL('restart-profile.ts', import.meta.url));
  const started = performance.now();
  const child = spawn(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', script, '--dir', dataDir, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`restart of ${dataDir} exited with ${code}`);
  return { ...(JSON.parse(out) as Omit<Restart, 'processMs'>), processMs: performance.now() - started };
}

const restartNote = (r: Restart, events: number): string =>
  `measured in a fresh process (${(r.processMs / 1000).toFixed(1)} s from its start to its exit, the closing snapshot included); ${cpuNote(r.cpuMs, events)}`;

async function main(): Promise<void> {
  if (!(flags.scale in SCALES)) throw new RangeError(`--scale must be one of ${Object.keys(SCALES).join(', ')}, got ${flags.scale}`);
  const scale = flags.scale as Scale;
  const q = QUERIES[scale];
  const params = { seed: Number(flags.seed), ...SCALES[scale], start: DEFAULT_START };
  const loadAtStart = loadavg();
  const dir = await mkdtemp(join(tmpdir(), 'ctxgraph-bench-'));
  const rows: Row[] = [];
  const extra: Record<string, unknown> = { dir };
  log(`scale ${scale}: ${JSON.stringify(params)} in ${dir}`);

  try {
    // 1. The data: one NDJSON file that every door reads.
    const file = join(dir, 'events.ndjson');
    // The million generated events are dropped once written: every later step reads the file, and
    // a collector marking them (on the core the questions share) is no part of what ctxgraph costs.
    const { topology, gen } = await (async () => {
      const generated = generate(params);
      return { topology: generated.topology, gen: await timed(() => writeNdjson(file, generated.events)) };
    })();
    const from = Date.parse(DEFAULT_START) + 3_600_000;
    const to = from + params.days * 86_400_000;
    extra.generated = { events: gen.value, seconds: gen.ms / 1000 };
    log(`generated ${gen.value} events in ${(gen.ms / 1000).toFixed(1)} s`);

    // 2. The naive baseline: the same file door into a plain list of facts (no log, no index).
    const h0 = await settledHeap();
    const naiveList = (list: NaiveFacts) =>
      ingestFiles([file], { store: (evs) => (list.add(evs, Date.now()), Promise.resolve({ accepted: evs.length, duplicates: 0 })) }, { batchSize: FILE_BATCH });
    // Dropped (nothing may keep it) while the store ingests, and built again for the queries: each
    // ingest is measured without the other's heap, which every major collection would otherwise walk.
    let naive: NaiveFacts | null = new NaiveFacts();
    const naiveIngest = await timed(() => naiveList(naive as NaiveFacts));
    const naiveBytes = (await settledHeap()) - h0;
    const naiveFacts = naive.facts.length;
    naive = null;
    log(`naive list: ${naiveFacts} facts in ${(naiveIngest.ms / 1000).toFixed(1)} s`);

    // 3. File ingest into the embedded store, durable, through the pipeline (worker threads: the default).
    const storeDir = join(dir, 'store');
    const h1 = await settledHeap();
    const { store } = await EmbeddedStore.open({ dataDir: storeDir });
    // Until the snapshot that runs beside the appends is written too: its cost belongs to ingest.
    const ingest = await timed(async () => {
      const outcome = await ingestFiles([file], createPipeline({ store }), { batchSize: FILE_BATCH, workers: FILE_WORKERS });
      await store.snapshot();
      return outcome;
    });
    if (!ingest.value.ok) throw new Error(`file ingest failed: ${JSON.stringify(ingest.value.errors.slice(0, 3))}`);
    const stats = await store.stats();
    const storeBytes = (await settledHeap()) - h1;
    extra.store = stats;
    rows.push({
      measure: `file ingest (NDJSON, ingestFiles, ${(await stat(file)).size >= PARALLEL_FROM_BYTES ? `${FILE_WORKERS} worker threads` : 'one thread: file under 8 MiB'})`,
      unit: 'events/s',
      ours: gen.value / (ingest.ms / 1000),
      baselineLabel: 'same door into a plain list, no log or index',
      baseline: gen.value / (naiveIngest.ms / 1000),
      better: 'higher',
      target: { op: '>=', value: 100_000 },
      note: `${gen.value} events in ${(ingest.ms / 1000).toFixed(1)} s, batches of ${FILE_BATCH} lines, each fsynced; worker threads parse, validate, apply and encode, the calling thread indexes and writes; snapshots on the store's default cadence, each built on the one before, and a last one at the end, all inside the time; ${cpuNote(ingest.cpuMs, gen.value)}`,
    });
    rows.push({
      measure: 'memory per stored fact (heapUsed after gc)',
      unit: 'bytes',
      ours: storeBytes / stats.facts,
      baselineLabel: 'plain list of the same facts',
      baseline: naiveBytes / naiveFacts,
      better: 'lower',
      target: { op: '<=', value: 300 },
      note: `${stats.facts} facts from ${stats.events} events; ${(storeBytes / 2 ** 20).toFixed(0)} MiB for the store, ${(naiveBytes / 2 ** 20).toFixed(0)} MiB for the list`,
    });
    log(`file ingest: ${Math.round(gen.value / (ingest.ms / 1000))} events/s, ${Math.round(storeBytes / stats.facts)} bytes/fact`);

    // 4. Depth-3 neighbourhoods at random instants, in process; the naive side must agree.
    const r = createRandom(params.seed + 1);
    const ids = topology.services.map((s) => s.id);
    const question = (): [string, Instant] => [r.pick(ids), { at: Math.floor(r.between(from, to)), knownAt: END_OF_TIME }];
    for (let i = 0; i < 100; i++) await store.neighbourhood(...question(), DEPTH, 'both');
    // Ours first, after a full collection and before the baseline's list exists: the ingest's
    // garbage and the list's 400 MB are no part of what a question to the store costs.
    await settledHeap();
    const ourRuns = new Map<string, { ms: number[]; reached: number; gc: Awaited<ReturnType<ReturnType<typeof gcWatch>['tail']>> }>();
    for (const direction of ['both', 'in', 'out'] as const) {
      const ms: number[] = [];
      let reached = 0;
      const watch = gcWatch();
      for (let i = 0; i < q.ours; i++) {
        const [id, t] = question();
        const started = performance.now();
        const n = await store.neighbourhood(id, t, DEPTH, direction);
        const took = performance.now() - started;
        ms.push(took);
        watch.mark(started, took);
        reached += n?.services.length ?? 0;
      }
      ourRuns.set(direction, { ms, reached, gc: await watch.tail() });
    }
    naive = new NaiveFacts();
    await naiveList(naive);
    const neighbourhoods: Record<string, unknown> = {};
    for (const direction of ['both', 'in', 'out'] as const) {
      const { ms: oursMs, reached, gc } = ourRuns.get(direction) as NonNullable<ReturnType<typeof ourRuns.get>>;
      const naiveMs: number[] = [];
      let disagreements = 0;
      for (let i = 0; i < q.naive; i++) {
        const [id, t] = question();
        const started = performance.now();
        const expected = naive.neighbourhood(id, t, DEPTH, direction);
        naiveMs.push(performance.now() - started);
        const got = await store.neighbourhood(id, t, DEPTH, direction);
        const gotDepths = new Map(got?.services.map((s) => [s.service.id, s.depth]) ?? []);
        const same = (expected === null) === (got === null) && (expected?.size ?? 0) === gotDepths.size && [...(expected ?? [])].every(([s, d]) => gotDepths.get(s) === d);
        if (!same) disagreements++;
      }
      const ours = percentiles(oursMs);
      const base = percentiles(naiveMs);
      neighbourhoods[direction] = { ours, naive: base, meanServicesReached: reached / q.ours, disagreements };
      const label = `neighbourhood depth ${DEPTH}, ${direction === 'both' ? 'both directions' : direction === 'in' ? 'callers (in)' : 'callees (out)'}`;
      const note = `${ours.n} questions (naive ${base.n}); ${(reached / q.ours).toFixed(0)} services reached on average; naive and store disagreed on ${disagreements} of ${base.n}; ${gc.withGc} of the ${gc.slowest} slowest questions overlapped a garbage collection (${gc.gcs} collections, ${gc.gcMs.toFixed(0)} ms in all, during the questions)`;
      const baselineLabel = 'linear scan over all facts';
      if (direction === 'both') rows.push({ measure: `${label}, p50`, unit: 'ms', ours: ours.p50, baselineLabel, baseline: base.p50, better: 'lower', target: null });
      rows.push({ measure: `${label}, p99`, unit: 'ms', ours: ours.p99, baselineLabel, baseline: base.p99, better: 'lower', target: { op: '<=', value: 5 }, note });
      log(`neighbourhood ${direction}: p50 ${ours.p50.toFixed(2)} ms, p99 ${ours.p99.toFixed(2)} ms, ${(reached / q.ours).toFixed(0)} services; naive p50 ${base.p50.toFixed(0)} ms; ${disagreements} disagreements`);
    }
    extra.neighbourhood = neighbourhoods;

    // 5. graphAt over HTTP (POST /graphql), against the naive scan in process.
    {
      const server = await listen(store);
      const p = poster(server.port, 1);
      const query = 'query G($at: DateTime!) { graphAt(at: $at) { services { id team tier zone } dependencies { from to critical } } }';
      const httpMs: number[] = [];
      let services = 0;
      for (let i = 0; i < q.graphAt; i++) {
        const at = new Date(Math.floor(r.between(from, to))).toISOString();
        const started = performance.now();
        const res = await p.post('/graphql', JSON.stringify({ query, variables: { at } }), 'application/json');
        httpMs.push(performance.now() - started);
        const body = JSON.parse(res.body) as { data?: { graphAt: { services: unknown[] } }; errors?: unknown };
        if (res.status !== 200 || !body.data) throw new Error(`POST /graphql answered ${res.status}: ${res.body.slice(0, 500)}`);
        services += body.data.graphAt.services.length;
      }
      p.close();
      await server.close();
      const inProcess: number[] = [];
      for (let i = 0; i < q.graphAt; i++) {
        const t = { at: Math.floor(r.between(from, to)), knownAt: END_OF_TIME };
        inProcess.push((await timed(() => store.graphAt(t))).ms);
      }
      const naiveG: number[] = [];
      for (let i = 0; i < q.naiveGraphAt; i++) {
        const t = { at: Math.floor(r.between(from, to)), knownAt: END_OF_TIME };
        naiveG.push((await timed(() => naive?.graphAt(t))).ms);
      }
      const h = percentiles(httpMs);
      const n = percentiles(naiveG);
      const own = percentiles(inProcess);
      extra.graphAt = { http: h, inProcess: own, naive: n, meanServices: services / q.graphAt };
      rows.push({
        measure: 'graphAt in process (store.graphAt), p50',
        unit: 'ms',
        ours: own.p50,
        baselineLabel: 'linear scan in process',
        baseline: n.p50,
        better: 'lower',
        target: null,
        note: `the store's share of the HTTP figure; the rest is GraphQL execution and JSON; p99 ${own.p99.toFixed(0)} ms`,
      });
      rows.push({
        measure: 'graphAt over HTTP (POST /graphql), p50',
        unit: 'ms',
        ours: h.p50,
        baselineLabel: 'linear scan in process, no HTTP',
        baseline: n.p50,
        better: 'lower',
        target: null,
        note: `whole graph (${(services / q.graphAt).toFixed(0)} services) with team, tier, zone and every dependency; ${h.n} requests, p99 ${h.p99.toFixed(0)} ms`,
      });
      log(`graphAt over HTTP: p50 ${h.p50.toFixed(0)} ms`);
    }
    naive = null;

    // 6. Restart: reopen the data directory, from the snapshot, then from the log alone.
    // A whole snapshot, as the store writes when it has none to build on (the store's are incremental).
    const wholeDir = join(dir, 'whole-snapshot');
    const snapshotWrite = await timed(() =>
      writeSnapshot(wholeDir, { position: { segment: 0, offset: 0 }, createdAt: Date.now(), events: [...store.index.factsByEvent()] }),
    );
    await rm(wholeDir, { recursive: true, force: true });
    await store.close();
    rows.push({
      measure: `whole snapshot write (${stats.events} events)`,
      unit: 's',
      ours: snapshotWrite.ms / 1000,
      baselineLabel: null,
      baseline: null,
      better: 'lower',
      target: null,
      note: 'the store writes one like this only when it has no snapshot to build on; otherwise each copies the one before it and adds the events since (every 250,000 events, or a quarter of the last snapshot if more); their cost is inside the file ingest figure',
    });
    // Each restart in a process of its own, as in production: not beside this one's heap, which
    // still holds the store just closed and everything measured before it.
    const withSnapshot = await restartInChild(storeDir);
    await rm(join(storeDir, 'snapshots'), { recursive: true, force: true });
    const fromLog = await restartInChild(storeDir);
    if (withSnapshot.events !== stats.events || fromLog.recovery.replayedEvents !== stats.events) {
      throw new Error(`restart lost events: ${stats.events} stored, ${withSnapshot.events} from the snapshot, ${fromLog.recovery.replayedEvents} from the log`);
    }
    extra.restart = { withSnapshot, fromLog };
    rows.push({
      measure: 'restart from snapshot',
      unit: 's',
      ours: withSnapshot.ms / 1000,
      baselineLabel: 'rebuild from the NDJSON file',
      baseline: naiveIngest.ms / 1000,
      better: 'lower',
      target: { op: '<=', value: 10 },
      note: `${withSnapshot.recovery.fromSnapshot} events from the snapshot, ${withSnapshot.recovery.replayedEvents} replayed from the log; ${restartNote(withSnapshot, stats.events)}`,
    });
    rows.push({
      measure: 'restart from the log alone (no snapshot)',
      unit: 's',
      ours: fromLog.ms / 1000,
      baselineLabel: 'rebuild from the NDJSON file',
      baseline: naiveIngest.ms / 1000,
      better: 'lower',
      target: { op: '<=', value: 10 },
      note: restartNote(fromLog, stats.events),
    });
    log(`restart: ${(withSnapshot.ms / 1000).toFixed(1)} s from snapshot, ${(fromLog.ms / 1000).toFixed(1)} s from the log`);

    // Last, the doors that run the whole pipeline on this thread (HTTP, and the file door with no
    // workers). Run first, they left the store's code paths on this thread slower for everything
    // after: in bench/neighbourhood-profile.ts, a one-thread ingest before the store's own took the
    // questions from 600-710 to 840-1,070 us of CPU each and the file ingest from 16 to 25 CPU-s,
    // with the heap collected in between. A production process does one of these, not all.
    // 7. HTTP ingest into its own store: one event per request (the naive producer), then batches.
    {
      const bodies = await cutBodies(file, q.singles, HTTP_BATCH);
      const { store } = await EmbeddedStore.open({ dataDir: join(dir, 'http-store') });
      const server = await listen(store);
      const p = poster(server.port, HTTP_CONNECTIONS);
      const single = await timed(() => postAll(p, bodies.singles, 'application/cloudevents+json', HTTP_CONNECTIONS));
      const batched = await timed(() => postAll(p, bodies.batches, 'application/x-ndjson', HTTP_CONNECTIONS));
      p.close();
      await server.close();
      await store.close();
      if (batched.value !== bodies.batchEvents) throw new Error(`HTTP accepted ${batched.value} of ${bodies.batchEvents} events`);
      rows.push({
        measure: `HTTP batch ingest (${HTTP_BATCH}/POST, ${HTTP_CONNECTIONS} connections)`,
        unit: 'events/s',
        ours: bodies.batchEvents / (batched.ms / 1000),
        baselineLabel: 'one event per POST',
        baseline: bodies.singles.length / (single.ms / 1000),
        better: 'higher',
        target: { op: '>=', value: 30_000 },
        note: `${bodies.batchEvents} events in ${(batched.ms / 1000).toFixed(1)} s, each batch durable before its answer (batches that arrive while the log is busy share one write and fsync); client and server share one process; ${cpuNote(batched.cpuMs, bodies.batchEvents)}`,
      });
      log(`HTTP: ${Math.round(bodies.batchEvents / (batched.ms / 1000))} events/s batched`);
      await rm(join(dir, 'http-store'), { recursive: true, force: true });
    }

    // 8. The file door kept on the calling thread (--workers 0), into a store of its own, dropped after.
    {
      const oneDir = join(dir, 'one-thread-store');
      const { store: one } = await EmbeddedStore.open({ dataDir: oneDir });
      const single = await timed(async () => {
        const outcome = await ingestFiles([file], createPipeline({ store: one }), { batchSize: FILE_BATCH, workers: 0 });
        await one.snapshot();
        return outcome;
      });
      await one.close();
      await rm(oneDir, { recursive: true, force: true });
      if (!single.value.ok) throw new Error(`file ingest on one thread failed: ${JSON.stringify(single.value.errors.slice(0, 3))}`);
      rows.push({
        measure: 'file ingest on one thread (--workers 0)',
        unit: 'events/s',
        ours: gen.value / (single.ms / 1000),
        baselineLabel: 'same door into a plain list, no log or index',
        baseline: gen.value / (naiveIngest.ms / 1000),
        better: 'higher',
        target: null,
        note: `the door before worker threads: parse, validate, apply, log and index on one thread; ${cpuNote(single.cpuMs, gen.value)}`,
      });
      log(`file ingest on one thread: ${Math.round(gen.value / (single.ms / 1000))} events/s`);
    }


    const date = new Date().toISOString();
    const name = scale === 'full' ? 'latest' : `latest-${scale}`;
    const md = await writeResults(join(fileURLToPath(new URL('.', import.meta.url)), 'results'), name, rows, { scale, params, date, machine: machine(loadAtStart) }, extra);
    process.stdout.write(md);
  } finally {
    if (!flags.keep) await rm(dir, { recursive: true, force: true });
  }
}

if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
  // Restart under --expose-gc (memory is measured after full collections) with room for the full scale.
  const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await main();
}
