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
import { existsSync } from 'node:fs';
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
      const r = await timed(async () => {
        const outcome = await ingestFiles([file], createPipeline({ store }), { batchSize: Number(flags.batch), workers });
        await store.snapshot();
        return outcome;
      });
      if (!r.value.ok) throw new Error(`ingest failed: ${JSON.stringify(r.value.errors.slice(0, 3))}`);
      const n = r.value.accepted + r.value.duplicates;
      await store.close();
      process.stdout.write(
        `${scale} workers=${workers} events=${n} wall=${(r.ms / 1000).toFixed(2)}s ${Math.round(n / (r.ms / 1000))} events/s ` +
          `cpu=${(r.cpuMs / 1000).toFixed(2)}s ${((r.cpuMs / n) * 1000).toFixed(2)} cpu-s/M-events load=${load}\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

await main();
