/**
 * The depth-3 neighbourhood questions alone, as `npm run bench` asks them (the same random
 * services and instants, after the same warm-up and a full collection), against a store on disk:
 * built once by ingesting the file `bench/ingest-profile.ts` generates, then reopened from its
 * snapshot on every run. Prints percentiles, the CPU time of the questions and the load average.
 *
 *   node --expose-gc --import tsx bench/neighbourhood-profile.ts --dir /tmp/nb-store [--runs 3]
 *   node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/neighbourhood-profile.ts --dir ...
 *
 * A store reopened from its snapshot is not laid out in memory as one that has just ingested, so
 * `--fresh` ingests into a temporary store in this process instead, as `npm run bench` does.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ingestFiles } from '../src/ingest/file.js';
import { defaultWorkers } from '../src/ingest/file-workers.js';
import { createPipeline } from '../src/ingest/pipeline.js';
import { END_OF_TIME, type Instant } from '../src/model/time.js';
import { EmbeddedStore } from '../src/store/memory/embedded-store.js';
import { DEFAULT_START, generate, type Scale, SCALES } from './generate.js';
import { percentiles, settledHeap, timed, writeNdjson } from './measure.js';
import { createRandom } from './random.js';

const { values: flags } = parseArgs({
  options: {
    scale: { type: 'string', default: 'full' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    queries: { type: 'string', default: '1000' },
    'one-thread-first': { type: 'boolean', default: false },
  },
});
const DEPTH = 3;

async function eventsFile(scale: Scale, seed: number): Promise<string> {
  const file = join(tmpdir(), `ctxgraph-ingest-${scale}-${seed}.ndjson`);
  if (!existsSync(file)) {
    const { events } = generate({ seed, ...SCALES[scale], start: DEFAULT_START });
    await writeNdjson(`${file}.part`, events);
    await rename(`${file}.part`, file);
  }
  return file;
}

async function ingestInto(dataDir: string, file: string): Promise<EmbeddedStore> {
  const { store } = await EmbeddedStore.open({ dataDir });
  const load = loadavg()[0]?.toFixed(2);
  const r = await timed(async () => {
    const outcome = await ingestFiles([file], createPipeline({ store }), { batchSize: 5_000, workers: defaultWorkers() });
    if (!outcome.ok) throw new Error(`ingest failed: ${JSON.stringify(outcome.errors.slice(0, 3))}`);
    await store.snapshot();
  });
  process.stdout.write(`ingest: ${(r.ms / 1000).toFixed(2)} s wall, cpu ${(r.cpuMs / 1000).toFixed(2)} s (all threads); load ${load}\n`);
  return store;
}

async function main(): Promise<void> {
  if (!(flags.scale in SCALES)) throw new RangeError(`--scale must be one of ${Object.keys(SCALES).join(', ')}`);
  const scale = flags.scale as Scale;
  const seed = Number(flags.seed);
  const params = { seed, ...SCALES[scale], start: DEFAULT_START };
  const file = await eventsFile(scale, seed);
  const ids = generate(params).topology.services.map((s) => s.id);
  const from = Date.parse(DEFAULT_START) + 3_600_000;
  const to = from + params.days * 86_400_000;

  if (flags['one-thread-first']) {
    // As `npm run bench` does before its store: the whole file through the door on this thread, into
    // a store dropped after, so the questions run on code that has also seen that path.
    const dir = await mkdtemp(join(tmpdir(), 'ctxgraph-nb-one-'));
    const { store: one } = await EmbeddedStore.open({ dataDir: dir });
    const r = await ingestFiles([file], createPipeline({ store: one }), { batchSize: 5_000, workers: 0 });
    if (!r.ok) throw new Error('one-thread ingest failed');
    await one.close();
    await rm(dir, { recursive: true, force: true });
    // As the benchmark does before its store: what that store left is collected.
    await settledHeap();
    process.stdout.write('one-thread ingest done\n');
  }
  let store: EmbeddedStore;
  let cleanup = async (): Promise<void> => {};
  if (flags.fresh || flags.dir === undefined) {
    const dir = await mkdtemp(join(tmpdir(), 'ctxgraph-nb-'));
    store = await ingestInto(dir, file);
    cleanup = () => rm(dir, { recursive: true, force: true });
  } else if (!existsSync(flags.dir)) {
    store = await ingestInto(flags.dir, file);
  } else {
    const opened = await timed(() => EmbeddedStore.open({ dataDir: flags.dir as string }));
    store = opened.value.store;
    process.stdout.write(`reopened in ${(opened.ms / 1000).toFixed(2)} s (cpu ${(opened.cpuMs / 1000).toFixed(2)} s)\n`);
  }

  for (let run = 0; run < Number(flags.runs); run++) {
    // As bench/run.ts: its random questions, a warm-up of 100, then a full collection.
    const r = createRandom(seed + 1);
    const question = (): [string, Instant] => [r.pick(ids), { at: Math.floor(r.between(from, to)), knownAt: END_OF_TIME }];
    for (let i = 0; i < 100; i++) await store.neighbourhood(...question(), DEPTH, 'both');
    await settledHeap();
    const load = loadavg()[0]?.toFixed(2);
    for (const direction of ['both', 'in', 'out'] as const) {
      const ms: number[] = [];
      let reached = 0;
      const all = await timed(async () => {
        for (let i = 0; i < Number(flags.queries); i++) {
          const [id, t] = question();
          const started = performance.now();
          const n = await store.neighbourhood(id, t, DEPTH, direction);
          ms.push(performance.now() - started);
          reached += n?.services.length ?? 0;
        }
      });
      const p = percentiles(ms);
      process.stdout.write(
        `${direction}: p50 ${p.p50.toFixed(3)} ms p99 ${p.p99.toFixed(3)} ms max ${p.max.toFixed(2)} ms; ` +
          `cpu ${((all.cpuMs * 1000) / p.n).toFixed(0)} us/query (wall ${((all.ms * 1000) / p.n).toFixed(0)}); ${(reached / p.n).toFixed(0)} services; load ${load}\n`,
      );
    }
  }
  await store.close();
  await cleanup();
}

await main();
