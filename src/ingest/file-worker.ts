/**
 * A file-door worker thread: takes chunks of whole NDJSON lines, parses and validates them, and,
 * unless only checking, applies and encodes them for the embedded store (`prepareBatch`). The
 * store's thread is left with the indexing. See `file-workers.ts` for the other side.
 */
import { parentPort } from 'node:worker_threads';
import { prepareBatch, transferList } from '../store/memory/prepared-batch.js';
import { utf8Text } from '../store/memory/utf8.js';
import type { ChunkDone, ChunkJob, LineError } from './file-chunks.js';
import { isProblem, parseLines } from './ndjson.js';
import { validateBatch } from './pipeline.js';

/** What one chunk holds: its events prepared, or every problem the file door reports for it. */
export function processChunk(job: ChunkJob, now: () => number): ChunkDone {
  const text = utf8Text(job.bytes);
  const parsed = parseLines(text, job.firstLine);
  const errors: LineError[] = [];
  const items: { value: unknown; line: number }[] = [];
  for (const p of parsed) {
    if (!isProblem(p)) items.push(p);
    else {
      errors.push({ line: p.line, id: null, path: '(line)', message: p.message });
      // Storing stops at the first line that is not JSON; checking goes on to report everything.
      if (!job.checkOnly) return { seq: job.seq, items: items.length, errors, batch: null };
    }
  }
  const v = validateBatch(items.map((i) => i.value));
  if (!v.ok) for (const e of v.errors) errors.push({ line: (items[e.index] as { line: number }).line, id: e.id, path: e.path, message: e.message });
  errors.sort((a, b) => a.line - b.line);
  const batch = v.ok && errors.length === 0 && !job.checkOnly ? prepareBatch(v.events, now()) : null;
  return { seq: job.seq, items: items.length, errors, batch };
}

parentPort?.on('message', (job: ChunkJob) => {
  const done = processChunk(job, Date.now);
  parentPort?.postMessage(done, done.batch ? transferList(done.batch) : []);
});
