/**
 * The file door on several threads, for NDJSON into a store that takes prepared batches (the
 * embedded store). The calling thread cuts the file into chunks of whole lines (`batchSize` lines:
 * one batch each, all or nothing as on one thread); worker threads parse, validate, apply and
 * encode them; the calling thread takes the answers in file order and hands each batch to the
 * store, which only indexes it. While one batch waits for its fsync the next is decoded.
 *
 * Semantics are those of `ingestFiles` on one thread: the first chunk with an invalid line stops
 * storing, every problem of that chunk is reported by line, and the chunks before it stay stored.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { AppendStream, PreparedBatch } from '../store/memory/prepared-batch.js';
import { type ChunkDone, type ChunkJob, chunksOf, type LineError } from './file-chunks.js';
import { besideThis, startWorker } from './worker-thread.js';

/**
 * Young generation of each worker, in MiB (V8 sizes it from the heap otherwise: 16 MiB semi-spaces).
 * A chunk's parsed, validated and applied events are garbage once it is encoded; with room for
 * about one chunk they mostly die before a scavenge would copy them (on 1M events, 33-36 -> 32-35
 * CPU-s for the whole ingest in three alternating pairs).
 */
const YOUNG_GENERATION_MB = 96;

/** A fixed set of worker threads, each answering its jobs in the order it got them. */
export class ChunkWorkers {
  private readonly workers: Worker[];
  private readonly waiting: { resolve: (d: ChunkDone) => void; reject: (e: unknown) => void }[][];
  private next = 0;
  private failure: Error | null = null;

  constructor(count: number) {
    const module = besideThis(import.meta.url, 'file-worker');
    this.workers = Array.from({ length: count }, () => startWorker(module, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }));
    this.waiting = this.workers.map(() => []);
    this.workers.forEach((w, i) => {
      const queue = this.waiting[i] as ChunkWorkers['waiting'][number];
      w.on('message', (d: ChunkDone) => queue.shift()?.resolve(d));
      w.on('error', (e: Error) => this.fail(e));
      w.on('exit', (code) => {
        if (queue.length > 0) this.fail(new Error(`a file-ingest worker exited (code ${code}) with chunks unanswered`));
      });
    });
  }

  get size(): number {
    return this.workers.length;
  }

  run(job: ChunkJob): Promise<ChunkDone> {
    if (this.failure) return Promise.reject(this.failure);
    const i = this.next++ % this.workers.length;
    return new Promise((resolve, reject) => {
      (this.waiting[i] as ChunkWorkers['waiting'][number]).push({ resolve, reject });
      (this.workers[i] as Worker).postMessage(job, [job.bytes.buffer as ArrayBuffer]);
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const q of this.waiting) for (const w of q.splice(0)) w.reject(e);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Batches handed to the store at once: while one is written, the next are decoded and queue to share the following write. */
const STORE_DEPTH = 4;

/**
 * How many worker threads to use when the caller does not say: to store, one per core beside the
 * one the store's thread keeps busy (at least one); to check only, one per core; at most four.
 * On two cores, one worker beside the store's thread took 19-22 CPU-s per million events where two
 * took 22-26, and finished sooner (alternating runs, bench/ingest-profile.ts): with three busy
 * threads on two cores, and the collectors of three heaps, the cores were shared, not added.
 */
export const defaultWorkers = (checkOnly = false): number => Math.max(1, Math.min(4, availableParallelism() - (checkOnly ? 0 : 1)));

export interface ParallelSink {
  storePrepared(batch: PreparedBatch, stream?: AppendStream): Promise<{ accepted: number; duplicates: number }>;
}

export interface ParallelFileResult {
  accepted: number;
  duplicates: number;
  /** Non-blank lines read (of the chunks answered). */
  events: number;
  errors: LineError[];
}

/**
 * Ingests (or, with `sink` null, only checks) one NDJSON file through `workers`. Calls
 * `onStored(bytes, events)` after each stored or checked chunk.
 */
export async function ingestFileParallel(
  file: string,
  workers: ChunkWorkers,
  sink: ParallelSink | null,
  options: { batchSize: number; onChunk?: (bytes: number, events: number) => void },
): Promise<ParallelFileResult> {
  const result: ParallelFileResult = { accepted: 0, duplicates: 0, events: 0, errors: [] };
  const chunks = chunksOf(file, options.batchSize);
  // Enough chunks in the workers that none idles while the store indexes.
  const depth = 2 * workers.size;
  const pending: { done: Promise<ChunkDone>; bytes: number }[] = [];
  let seq = 0;
  let exhausted = false;
  // Batches handed to the store and not yet stored, oldest first.
  const storing: Promise<void>[] = [];
  const stream: AppendStream = { failure: null };
  let storeFailure: { error: unknown } | null = null;
  const fill = async (): Promise<void> => {
    while (!exhausted && pending.length < depth) {
      const c = await chunks.next();
      if (c.done) exhausted = true;
      else {
        const bytes = c.value.bytes.byteLength;
        const done = workers.run({ seq: seq++, bytes: c.value.bytes, firstLine: c.value.firstLine, checkOnly: sink === null });
        // Settled later in order; never left rejected and unobserved meanwhile.
        done.catch(() => undefined);
        pending.push({ done, bytes });
      }
    }
  };
  try {
    for (await fill(); pending.length > 0; await fill()) {
      const head = pending.shift() as (typeof pending)[number];
      const done = await head.done;
      result.events += done.items;
      if (done.errors.length > 0) {
        result.errors.push(...done.errors);
        if (sink !== null) break;
        options.onChunk?.(head.bytes, done.items);
        continue;
      }
      if (sink === null || done.batch === null) {
        options.onChunk?.(head.bytes, done.items);
        continue;
      }
      if (storeFailure) break;
      // Decoding this batch (inside storePrepared) overlaps the writes of those before, behind which it
      // queues (and which then share one write and fsync); the stream makes the store fail every batch
      // of this file after one whose write failed.
      const stored = sink.storePrepared(done.batch, stream).then(
        (r) => {
          result.accepted += r.accepted;
          result.duplicates += r.duplicates;
          options.onChunk?.(head.bytes, done.items);
        },
        (error: unknown) => {
          storeFailure ??= { error };
        },
      );
      storing.push(stored);
      if (storing.length >= STORE_DEPTH) await storing.shift();
    }
    await Promise.all(storing);
    if (storeFailure) throw (storeFailure as { error: unknown }).error;
    return result;
  } finally {
    await Promise.all(storing);
    await chunks.return(undefined);
  }
}
