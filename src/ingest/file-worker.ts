/**
 * A file-door worker thread: takes chunks of whole NDJSON lines, parses and validates them, and,
 * unless only checking, applies and encodes them for the embedded store (`prepareBatch`). The
 * store's thread is left with the indexing. See `file-workers.ts` for the other side.
 */
import { isAscii } from 'node:buffer';
import { parentPort } from 'node:worker_threads';
import type { CloudEvent } from '../../schema/events.js';
import { prepareBatch, type SourceLines, transferList } from '../store/memory/prepared-batch.js';
import { utf8Text } from '../store/memory/utf8.js';
import type { ChunkDone, ChunkJob, LineError } from './file-chunks.js';
import { isProblem, parseLines, type SpannedItem } from './ndjson.js';
import { validateBatch } from './pipeline.js';

/** What one chunk holds: its events prepared, or every problem the file door reports for it. */
export function processChunk(job: ChunkJob, now: () => number): ChunkDone {
  const text = utf8Text(job.bytes);
  const parsed = parseLines(text, job.firstLine);
  const errors: LineError[] = [];
  const items: SpannedItem[] = [];
  for (const p of parsed) {
    if (!isProblem(p)) items.push(p);
    else {
      errors.push({ line: p.line, id: null, path: '(line)', message: p.message });
      // Storing stops at the first line that is not JSON; checking goes on to report everything.
      if (!job.checkOnly) return { seq: job.seq, items: items.length, errors, batch: null };
    }
  }
  const exact: boolean[] = [];
  const v = validateBatch(items.map((i) => i.value), undefined, exact);
  if (!v.ok) for (const e of v.errors) errors.push({ line: (items[e.index] as { line: number }).line, id: e.id, path: e.path, message: e.message });
  errors.sort((a, b) => a.line - b.line);
  if (!v.ok || errors.length > 0 || job.checkOnly) return { seq: job.seq, items: items.length, errors, batch: null };
  // In an ASCII chunk a character's offset is its byte's: each line's bytes can go to the log as
  // they are, where they read back as the event validated.
  let lines: SourceLines | undefined;
  if (isAscii(job.bytes)) {
    const kept = v.events.map((e, i) => exact[i] === true || readsBackAs((items[i] as SpannedItem).value, e));
    lines = { bytes: job.bytes, from: items.map((item, i) => (kept[i] ? item.from : -1)), to: items.map((item) => item.to) };
  }
  return { seq: job.seq, items: items.length, errors, batch: prepareBatch(v.events, now(), lines) };
}

/**
 * Whether `value` (a parsed line) is `event` (what validation made of it), so that the line read
 * back from the log gives the event. The envelope's and the data's fields are read by name only
 * (`applyEvent`), so their order may differ; values below them are kept as they are, so there
 * the order must match too. Validation drops unknown fields and rewrites some (tags as a map).
 */
function readsBackAs(value: unknown, event: CloudEvent): boolean {
  return sameJson(value, event, 2);
}

/** Deep equality of JSON values; object keys may come in another order in the first `unordered` levels. */
function sameJson(a: unknown, b: unknown, unordered: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const list = b as unknown[];
    if (a.length !== list.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], list[i], 0)) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  if (unordered === 0) {
    const ka = Object.keys(x);
    const kb = Object.keys(y);
    if (ka.length !== kb.length) return false;
    for (let i = 0; i < kb.length; i++) if (ka[i] !== kb[i] || !sameJson(x[ka[i] as string], y[ka[i] as string], 0)) return false;
    return true;
  }
  // No key lists here: this runs for every event and its data.
  let keys = 0;
  for (const k in y) {
    if (!Object.hasOwn(y, k)) continue;
    if (!Object.hasOwn(x, k) || !sameJson(x[k], y[k], unordered - 1)) return false;
    keys++;
  }
  for (const k in x) if (Object.hasOwn(x, k)) keys--;
  return keys === 0;
}

parentPort?.on('message', (job: ChunkJob) => {
  const done = processChunk(job, Date.now);
  parentPort?.postMessage(done, done.batch ? transferList(done.batch) : []);
});
