/**
 * `npm run bench:neo4j`: the embedded bench's workloads against Neo4j (file ingest through the
 * pipeline, depth-3 neighbourhoods and graphAt at random instants), with the embedded store fed
 * the same events as the baseline, and every Neo4j answer checked against it.
 *
 *   NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=... npm run bench:neo4j -- --scale small
 *
 * Without NEO4J_URI it says so and exits 0. It refuses a database that already holds events
 * unless given --wipe, because it empties the database first.
 * Flags: --scale tiny|small|medium|full (default small), --seed N, --wipe.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ingestFiles } from '../src/ingest/file.js';
import { createPipeline } from '../src/ingest/pipeline.js';
import { createLogger } from '../src/logger.js';
import { END_OF_TIME, type Instant } from '../src/model/time.js';
import type { GraphStore } from '../src/store/graph-store.js';
import { EmbeddedStore } from '../src/store/memory/embedded-store.js';
import { Neo4jStore } from '../src/store/neo4j/neo4j-store.js';
import { DEFAULT_START, generate, type Scale, SCALES } from './generate.js';
import { percentiles, timed, writeNdjson } from './measure.js';
import { createRandom } from './random.js';
import { machine, type Row, writeResults } from './report.js';

const { values: flags } = parseArgs({
  options: {
    scale: { type: 'string', default: 'small' },
    seed: { type: 'string', default: '1' },
    wipe: { type: 'boolean', default: false },
  },
});
const QUESTIONS = 300;
const GRAPH_AT = 10;
const DEPTH = 3;
const FILE_BATCH = 5_000;

const log = (msg: string) => process.stderr.write(`[bench:neo4j ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const depthsOf = (n: Awaited<ReturnType<GraphStore['neighbourhood']>>): string =>
  JSON.stringify(n ? n.services.map((s) => `${s.service.id}@${s.depth}`).sort() : null);

async function main(): Promise<void> {
  const uri = process.env.NEO4J_URI;
  if (!uri) {
    console.log('bench:neo4j skipped: NEO4J_URI is not set (see docs/neo4j.md: `docker compose up neo4j`, then NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=... npm run bench:neo4j)');
    return;
  }
  if (!(flags.scale in SCALES)) throw new RangeError(`--scale must be one of ${Object.keys(SCALES).join(', ')}, got ${flags.scale}`);
  const scale = flags.scale as Scale;
  const params = { seed: Number(flags.seed), ...SCALES[scale], start: DEFAULT_START };
  const loadAtStart = loadavg();
  const config = {
    uri,
    user: process.env.NEO4J_USER ?? 'neo4j',
    password: process.env.NEO4J_PASSWORD ?? '',
    ...(process.env.NEO4J_DATABASE ? { database: process.env.NEO4J_DATABASE } : {}),
  };
  const neo = await Neo4jStore.open({ config, logger: createLogger('warn') });
  const dir = await mkdtemp(join(tmpdir(), 'ctxgraph-bench-neo4j-'));
  const rows: Row[] = [];
  const extra: Record<string, unknown> = { uri };
  try {
    const before = await neo.stats();
    if (before.events > 0 && !flags.wipe) throw new Error(`${uri} already holds ${before.events} events; rerun with --wipe to empty it first`);
    await neo.reset();
    log(`scale ${scale}: ${JSON.stringify(params)} against ${uri}`);

    const file = join(dir, 'events.ndjson');
    const { topology, events } = generate(params);
    const count = await writeNdjson(file, events);
    const from = Date.parse(DEFAULT_START) + 3_600_000;
    const to = from + params.days * 86_400_000;

    const { store: embedded } = await EmbeddedStore.open({ dataDir: null });
    const base = await timed(() => ingestFiles([file], createPipeline({ store: embedded }), { batchSize: FILE_BATCH }));
    const ingest = await timed(() => ingestFiles([file], createPipeline({ store: neo }), { batchSize: FILE_BATCH }));
    if (!ingest.value.ok) throw new Error(`ingest into Neo4j failed: ${JSON.stringify(ingest.value.errors.slice(0, 3))}`);
    rows.push({
      measure: 'file ingest (NDJSON, ingestFiles) into Neo4j',
      unit: 'events/s',
      ours: count / (ingest.ms / 1000),
      baselineLabel: 'embedded store, in memory',
      baseline: count / (base.ms / 1000),
      better: 'higher',
      target: null,
      note: `${count} events, batches of ${FILE_BATCH}, one write transaction per batch`,
    });
    extra.stats = { neo4j: await neo.stats(), embedded: await embedded.stats() };
    log(`ingest: ${Math.round(count / (ingest.ms / 1000))} events/s`);

    const r = createRandom(params.seed + 1);
    const ids = topology.services.map((s) => s.id);
    const question = (): [string, Instant] => [r.pick(ids), { at: Math.floor(r.between(from, to)), knownAt: END_OF_TIME }];
    const neoMs: number[] = [];
    const embMs: number[] = [];
    let disagreements = 0;
    for (let i = 0; i < QUESTIONS; i++) {
      const [id, t] = question();
      const a = await timed(() => neo.neighbourhood(id, t, DEPTH, 'both'));
      const b = await timed(() => embedded.neighbourhood(id, t, DEPTH, 'both'));
      neoMs.push(a.ms);
      embMs.push(b.ms);
      if (depthsOf(a.value) !== depthsOf(b.value)) disagreements++;
    }
    const n = percentiles(neoMs);
    const e = percentiles(embMs);
    rows.push({
      measure: `neighbourhood depth ${DEPTH}, both directions, p99 (Neo4j)`,
      unit: 'ms',
      ours: n.p99,
      baselineLabel: 'embedded store',
      baseline: e.p99,
      better: 'lower',
      target: null,
      note: `p50 ${n.p50.toFixed(2)} ms; ${n.n} questions; Neo4j and embedded disagreed on ${disagreements}`,
    });

    const gMs: number[] = [];
    let graphDisagreements = 0;
    for (let i = 0; i < GRAPH_AT; i++) {
      const t = { at: Math.floor(r.between(from, to)), knownAt: END_OF_TIME };
      const a = await timed(() => neo.graphAt(t));
      const b = await embedded.graphAt(t);
      gMs.push(a.ms);
      const key = (g: typeof b) => JSON.stringify([g.services.map((s) => s.id).sort(), g.dependencies.map((d) => `${d.from}>${d.to}:${d.critical}`).sort()]);
      if (key(a.value) !== key(b)) graphDisagreements++;
    }
    const g = percentiles(gMs);
    rows.push({
      measure: 'graphAt in process, p50 (Neo4j)',
      unit: 'ms',
      ours: g.p50,
      baselineLabel: null,
      baseline: null,
      better: 'lower',
      target: null,
      note: `${g.n} instants; differed from the embedded store on ${graphDisagreements}`,
    });
    extra.disagreements = { neighbourhood: disagreements, graphAt: graphDisagreements };
    await embedded.close();

    const md = await writeResults(join(import.meta.dirname, 'results'), `neo4j-${scale}`, rows, { scale, params, date: new Date().toISOString(), machine: machine(loadAtStart) }, extra);
    console.log(md);
    if (disagreements + graphDisagreements > 0) process.exitCode = 1;
  } finally {
    await neo.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
