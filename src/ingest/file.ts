/**
 * The file door: NDJSON or JSON-array files into the pipeline, in batches. Each batch is all or
 * nothing; on an invalid event ingestion stops, every invalid event of that batch is reported by
 * file and line, and what was stored before it stays stored. Re-running the fixed file is safe:
 * events already stored are acknowledged as duplicates.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { CloudEvent } from '../../schema/events.js';
import { ChunkWorkers, defaultWorkers, ingestFileParallel, type ParallelSink } from './file-workers.js';
import { type LineProblem, parseLine } from './ndjson.js';
import { validateBatch } from './pipeline.js';

/** Where validated events go: the local pipeline, or a running server over HTTP. */
export interface EventSink {
  store(events: readonly CloudEvent[]): Promise<{ accepted: number; duplicates: number }>;
  /** Present when the store takes batches prepared on worker threads: large NDJSON files then use them. */
  storePrepared?: ParallelSink['storePrepared'];
}

export interface FileProgress {
  file: string;
  bytesRead: number;
  bytesTotal: number;
  events: number;
}

export interface FileError {
  file: string;
  /** 1-based line for NDJSON; for a JSON array, the element index is in `index`. */
  line: number | null;
  index: number | null;
  id: string | null;
  path: string;
  message: string;
}

export type FileIngestOutcome =
  | { ok: true; files: number; accepted: number; duplicates: number }
  | { ok: false; accepted: number; duplicates: number; errors: FileError[] };

export interface FileIngestOptions {
  batchSize?: number;
  /** Only validate: store nothing, report every invalid event in every file. */
  checkOnly?: boolean;
  onProgress?: (p: FileProgress) => void;
  /** Bytes read from disk at a time (default 1 MiB); small values let tests split lines and characters. */
  chunkBytes?: number;
  /**
   * Worker threads for NDJSON files of at least `parallelFromBytes` (default 8 MiB: below that,
   * starting threads costs more than it saves). Default (`defaultWorkers`): one per core beside the
   * store's thread when storing, one per core when checking, at most four; 0 keeps everything on
   * the calling thread. Used when checking, or when the sink takes prepared batches.
   */
  workers?: number;
  parallelFromBytes?: number;
}

/** Files smaller than this stay on the calling thread unless `parallelFromBytes` says otherwise. */
export const PARALLEL_FROM_BYTES = 8 << 20;

interface Item {
  value: unknown;
  line: number | null;
  index: number | null;
}

type ParseProblem = LineProblem | { line: null; message: string };

/**
 * Yields the items of one file, a chunk's worth at a time (a yield per line would cost a promise
 * per event): NDJSON streamed line by line, or a JSON array read whole.
 */
async function* readItems(file: string, chunkBytes: number, onBytes: (n: number) => void): AsyncGenerator<(Item | ParseProblem)[]> {
  const head = await readHead(file);
  if (head === '[') {
    const text = await readFile(file, 'utf8');
    onBytes(Buffer.byteLength(text));
    let parsed: unknown;
    try {
      // Editors on Windows often save with a byte-order mark, which JSON.parse rejects.
      parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (e) {
      yield [{ line: null, message: `not valid JSON: ${(e as Error).message}` }];
      return;
    }
    if (!Array.isArray(parsed)) {
      yield [{ line: null, message: 'expected a JSON array of events' }];
      return;
    }
    yield parsed.map((value: unknown, index) => ({ value, line: null, index }));
    return;
  }
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: chunkBytes })) {
    const buf = chunk as Buffer;
    onBytes(buf.length);
    const text = rest + decoder.write(buf);
    const items: (Item | ParseProblem)[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      line++;
      const item = parseLine(text.slice(start, nl), line);
      if (item) items.push({ ...item, index: null });
      start = nl + 1;
    }
    rest = text.slice(start);
    if (items.length > 0) yield items;
  }
  rest += decoder.end();
  if (rest.length > 0) {
    const item = parseLine(rest, ++line);
    if (item) yield [{ ...item, index: null }];
  }
}

async function readHead(file: string): Promise<string> {
  for await (const chunk of createReadStream(file, { start: 0, end: 4095, encoding: 'utf8' })) {
    const m = /\S/.exec(chunk as string);
    if (m) return m[0];
  }
  return '';
}

/** What has been stored so far, and what was wrong. */
interface Tally {
  accepted: number;
  duplicates: number;
  errors: FileError[];
}

/** One file on the calling thread: NDJSON streamed, or a JSON array read whole. */
async function ingestOnThread(file: string, total: number, sink: EventSink, options: FileIngestOptions, acc: Tally): Promise<void> {
  const batchSize = options.batchSize ?? 5000;
  let bytesRead = 0;
  let events = 0;
  let batch: Item[] = [];
  const report = (): void => options.onProgress?.({ file, bytesRead, bytesTotal: total, events });
  // One batch is stored while the next is read and validated: parsing overlaps the fsync.
  const inFlight: { storing: Promise<void> | null; failure: { error: unknown } | null } = { storing: null, failure: null };
  const settle = async (): Promise<void> => {
    await inFlight.storing;
    inFlight.storing = null;
    if (inFlight.failure) throw inFlight.failure.error;
  };
  const flush = async (): Promise<boolean> => {
    const items = batch;
    batch = [];
    const v = items.length === 0 ? null : validateBatch(items.map((i) => i.value));
    if (v && !v.ok) {
      for (const e of v.errors) {
        const it = items[e.index] as Item;
        acc.errors.push({ file, line: it.line, index: it.index, id: e.id, path: e.path, message: e.message });
      }
    }
    // Batches are stored in file order, one at a time.
    await settle();
    if (v?.ok && !options.checkOnly && acc.errors.length === 0) {
      inFlight.storing = sink.store(v.events).then(
        (r) => {
          acc.accepted += r.accepted;
          acc.duplicates += r.duplicates;
          events += items.length;
          report();
        },
        // Kept rather than left unhandled while the next batch is read; `settle` throws it.
        (error: unknown) => {
          inFlight.failure = { error };
        },
      );
    } else {
      events += items.length;
      // The end of a file may come after the last full batch (trailing blank lines): still report it.
      report();
    }
    return options.checkOnly === true || acc.errors.length === 0;
  };
  try {
    reading: for await (const items of readItems(file, options.chunkBytes ?? 1 << 20, (n) => (bytesRead += n))) {
      for (const item of items) {
        if (!('value' in item)) {
          acc.errors.push({ file, line: item.line, index: null, id: null, path: '(line)', message: item.message });
          if (!options.checkOnly) break reading;
          continue;
        }
        batch.push(item);
        if (batch.length >= batchSize && !(await flush())) break reading;
      }
    }
    if (acc.errors.length === 0 || options.checkOnly) await flush();
    await settle();
  } finally {
    // Whatever went wrong, no store is left running behind the caller's back.
    await inFlight.storing;
  }
}

/** One NDJSON file through the worker threads. */
async function ingestOnWorkers(file: string, total: number, workers: ChunkWorkers, sink: ParallelSink | null, options: FileIngestOptions, acc: Tally): Promise<void> {
  let bytesRead = 0;
  let events = 0;
  const r = await ingestFileParallel(file, workers, sink, {
    batchSize: options.batchSize ?? 5000,
    onChunk: (bytes, n) => {
      bytesRead += bytes;
      events += n;
      options.onProgress?.({ file, bytesRead, bytesTotal: total, events });
    },
  });
  acc.accepted += r.accepted;
  acc.duplicates += r.duplicates;
  for (const e of r.errors) acc.errors.push({ file, line: e.line, index: null, id: e.id, path: e.path, message: e.message });
}

/**
 * Ingests files in order.
 *
 * @example
 * const r = await ingestFiles(['events.ndjson'], pipeline, { onProgress: console.log });
 * if (!r.ok) for (const e of r.errors) console.error(`${e.file}:${e.line}: ${e.path}: ${e.message}`);
 */
export async function ingestFiles(files: readonly string[], sink: EventSink, options: FileIngestOptions = {}): Promise<FileIngestOutcome> {
  const acc: Tally = { accepted: 0, duplicates: 0, errors: [] };
  const threads = options.workers ?? defaultWorkers(options.checkOnly);
  // Workers check on their own; to store, the sink must take what they prepare.
  const parallelSink = options.checkOnly ? null : sink.storePrepared ? { storePrepared: sink.storePrepared } : undefined;
  let workers: ChunkWorkers | null = null;
  try {
    for (const file of files) {
      const total = (await stat(file)).size;
      const parallel = threads > 0 && parallelSink !== undefined && total >= (options.parallelFromBytes ?? PARALLEL_FROM_BYTES) && (await readHead(file)) !== '[';
      if (parallel) await ingestOnWorkers(file, total, (workers ??= new ChunkWorkers(threads)), parallelSink, options, acc);
      else await ingestOnThread(file, total, sink, options, acc);
      if (acc.errors.length > 0 && !options.checkOnly) break;
    }
  } finally {
    await workers?.close();
  }
  const { accepted, duplicates, errors } = acc;
  return errors.length > 0 ? { ok: false, accepted, duplicates, errors } : { ok: true, files: files.length, accepted, duplicates };
}
