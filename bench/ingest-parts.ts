/**
 * The two halves of the file ingest on worker threads, each alone on this thread, so their CPU
 * cost per event can be compared across changes without the other threads in the way: a worker's
 * share (`processChunk`: parse, validate, apply, encode) over the whole file, then the store
 * thread's share (`appendPrepared` into an in-memory store: decode and index).
 *
 *   node --expose-gc --import tsx bench/ingest-parts.ts [--scale full]
 *
 * Reads the file `bench/ingest-profile.ts` generates (run that once first).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ChunkJob, chunksOf } from '../src/ingest/file-chunks.js';
import { processChunk } from '../src/ingest/file-worker.js';
import { EmbeddedStore } from '../src/store/memory/embedded-store.js';
import type { PreparedBatch } from '../src/store/memory/prepared-batch.js';
import { gcWatch, timed } from './measure.js';

const { values: flags } = parseArgs({ options: { scale: { type: 'string', default: 'full' }, seed: { type: 'string', default: '1' }, batch: { type: 'string', default: '5000' } } });

async function main(): Promise<void> {
  const file = join(tmpdir(), `ctxgraph-ingest-${flags.scale}-${flags.seed}.ndjson`);
  const jobs: ChunkJob[] = [];
  for await (const c of chunksOf(file, Number(flags.batch))) jobs.push({ seq: jobs.length, bytes: c.bytes, firstLine: c.firstLine, checkOnly: false });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const batches: PreparedBatch[] = [];
  const workerGc = gcWatch();
  const worker = await timed(() => {
    for (const job of jobs) {
      const done = processChunk(job, Date.now);
      if (!done.batch) throw new Error(`chunk ${job.seq} failed: ${JSON.stringify(done.errors.slice(0, 2))}`);
      batches.push(done.batch);
    }
  });
  const workerGcMs = (await workerGc.tail()).gcMs;
  jobs.length = 0;
  gc?.();
  const n = batches.reduce((s, b) => s + b.events, 0);
  const { store } = await EmbeddedStore.open({ dataDir: null });
  const storeGc = gcWatch();
  const storeSide = await timed(async () => {
    for (const b of batches) await store.appendPrepared(b);
  });
  const storeGcMs = (await storeGc.tail()).gcMs;
  const us = (ms: number): string => ((ms * 1000) / n).toFixed(2);
  process.stdout.write(`${flags.scale}: ${n} events; worker side ${us(worker.cpuMs)} us/event CPU (${us(worker.ms)} wall, ${us(workerGcMs)} in GC); store side ${us(storeSide.cpuMs)} us/event CPU (${us(storeSide.ms)} wall, ${us(storeGcMs)} in GC)\n`);
}

await main();
