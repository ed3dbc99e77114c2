/**
 * The file ingest alone, as `npm run bench` measures it (durable store, snapshots on the default
 * cadence and one at the end, worker threads by default), in a fresh process, with wall time and
 * CPU time of every thread. The shared machine's speed moves, so compare changes by alternating
 * runs and read the CPU figure beside the wall one.
 *
 *   npx tsx bench/ingest-profile.ts                       # full scale, default workers
 *   npx tsx bench/ingest-profile.ts --scale small --workers 0 --runs 3
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/ingest-profile.ts
 *
 * The NDJSON file is generated once per scale and seed and kept in the temporary directory.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ingestFiles } from '../src/ingest/file.js';
import { defaultWorkers } from '../src/ingest/file-workers.js';
import { createPipeline } from '../src/ingest/pipeline.js';
import { EmbeddedStore } from '../src/store/memory/embedded-store.js';
import { DEFAULT_START, generate, type Scale, SCALES } from './generate.js';
import { timed, writeNdjson } from './measure.js';

const { values: flags } = parseArgs({
  options: {
    scale: { type: 'string', default: 'full' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string' },
    runs: { type: 'string', default: '1' },
    batch: { type: 'string', default: '5000' },
  },
});

/**
 * CPU seconds of each thread of this process that ran during `fn` (Linux: /proc; elsewhere nothing),
 * sampled every 200 ms because a worker's thread is gone once it exits: the main thread, the
 * threads that existed before (V8's platform threads: collection and compilation helpers for every
 * isolate), and the threads started during `fn` (worker threads and their own helpers).
 */
async function threadCpu<T>(fn: () => Promise<T>): Promise<{ value: T; main: number; before: number; started: number } | { value: T }> {
  const dir = '/proc/self/task';
  if (!existsSync(dir)) return { value: await fn() };
  const ticks = (): Map<string, number> => {
    const out = new Map<string, number>();
    for (const tid of readdirSync(dir)) {
      try {
        const fields = readFileSync(`${dir}/${tid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
        // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
        out.set(tid, Number(fields[11]) + Number(fields[12]));
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return out;
  };
  const first = ticks();
  const last = new Map(first);
  const sample = (): void => {
    for (const [tid, t] of ticks()) last.set(tid, t);
  };
  const timer = setInterval(sample, 200);
  try {
    const value = await fn();
    sample();
    // Clock ticks are 1/100 s on Linux.
    let main = 0;
    let before = 0;
    let started = 0;
    for (const [tid, t] of last) {
      const used = (t - (first.get(tid) ?? 0)) / 100;
      if (tid === String(process.pid)) main += used;
      else if (first.has(tid)) before += used;
      else started += used;
    }
    return { value, main, before, started };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  if (!(flags.scale in SCALES)) throw new RangeError(`--scale must be one of ${Object.keys(SCALES).join(', ')}`);
  const scale = flags.scale as Scale;
  const file = join(tmpdir(), `ctxgraph-ingest-${scale}-${flags.seed}.ndjson`);
  if (!existsSync(file)) {
    const { events } = generate({ seed: Number(flags.seed), ...SCALES[scale], start: DEFAULT_START });
    const tmp = `${file}.part`;
    await writeNdjson(tmp, events);
    await rename(tmp, file);
  }
  const workers = flags.workers === undefined ? defaultWorkers() : Number(flags.workers);
  for (let run = 0; run < Number(flags.runs); run++) {
    const dir = await mkdtemp(join(tmpdir(), 'ctxgraph-ingest-'));
    try {
      const load = loadavg()[0]?.toFixed(2);
      const { store } = await EmbeddedStore.open({ dataDir: dir });
      const threads = await threadCpu(() =>
        timed(async () => {
          const outcome = await ingestFiles([file], createPipeline({ store }), { batchSize: Number(flags.batch), workers });
          await store.snapshot();
          return outcome;
        }),
      );
      const r = threads.value;
      if (!r.value.ok) throw new Error(`ingest failed: ${JSON.stringify(r.value.errors.slice(0, 3))}`);
      const n = r.value.accepted + r.value.duplicates;
      await store.close();
      process.stdout.write(
        `${scale} workers=${workers} events=${n} wall=${(r.ms / 1000).toFixed(2)}s ${Math.round(n / (r.ms / 1000))} events/s ` +
          `cpu=${(r.cpuMs / 1000).toFixed(2)}s ${((r.cpuMs / n) * 1000).toFixed(2)} cpu-s/M-events load=${load}` +
          ('main' in threads ? ` (main thread ${threads.main.toFixed(2)}s, V8 platform threads ${threads.before.toFixed(2)}s, worker threads ${threads.started.toFixed(2)}s)` : '') +
          '\n',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

await main();
