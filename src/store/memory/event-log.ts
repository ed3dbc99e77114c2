/**
 * The embedded store's append-only event log: what makes an acknowledged batch survive a crash.
 *
 * Layout: numbered segment files in one directory (`00000001.seg`, `00000002.seg`, ...). A segment
 * opens with an 8-byte header (`CGLG`, u32 LE format version), then records:
 *
 *   [u32 LE payload length][u32 LE crc32 of payload][payload: UTF-8 JSON of one LoggedBatch]
 *
 * A crash can only tear the record being written, which is always the last one of the last
 * segment; opening the log cuts such a tail off. Damage anywhere else is refused, loudly, because
 * dropping records in the middle would silently lose acknowledged events.
 *
 * @example
 * const { log } = await openEventLog('/data/log', { onBatch: (b) => replay(b.events) });
 * await log.append({ recordedAt: Date.now(), events }); // durable once this resolves
 */
import { type FileHandle, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { CloudEvent } from '../../../schema/events.js';
import { type Logger, silentLogger } from '../../logger.js';
import { mkdirDurable, syncDir, writeAll, writeAllOf } from './durable-io.js';
import { utf8Text, writeUtf8 } from './utf8.js';

/** Where a record starts or ends: a segment number and a byte offset in it. */
export interface LogPosition {
  segment: number;
  offset: number;
}

/** One appended batch: one log record. */
export interface LoggedBatch {
  recordedAt: number;
  events: CloudEvent[];
}

export interface EventLog {
  /**
   * Appends one batch as one checksummed record; resolves after fsync with the position just after
   * the record. Callers serialize calls.
   */
  append(batch: LoggedBatch): Promise<LogPosition>;
  /**
   * Appends several batches, one record each, with one write and one fsync (group commit): all of
   * them are durable once this resolves. A batch may come already encoded as a whole record
   * (`sealRecord`), written as it is. A crash mid-way can only tear the tail, so each batch is
   * still all or nothing.
   */
  appendMany(batches: readonly (LoggedBatch | Uint8Array)[]): Promise<LogPosition>;
  /** The position just after the last record. */
  position(): LogPosition;
  close(): Promise<void>;
}

export interface OpenLogResult {
  log: EventLog;
  replayedBatches: number;
  /** Set when a torn record at the tail was found and cut off. */
  droppedTail: { segment: number; offset: number; bytes: number } | null;
}

export interface OpenLogOptions {
  /** Replay only records after this position (the snapshot's). */
  from?: LogPosition;
  /** Called for each replayed record, in log order. */
  onBatch: (batch: LoggedBatch) => void;
  segmentBytes?: number;
  logger?: Logger;
}

/** The log holds damage that is not a torn tail: refusing to start beats losing events silently. */
export class LogCorruptionError extends Error {
  override readonly name = 'LogCorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`event log corrupt in ${file} at byte ${offset}: ${reason}`);
  }
}

const MAGIC = 0x474c4743; // "CGLG" read as u32 LE
const FORMAT_VERSION = 1;
const SEGMENT_HEADER_BYTES = 8;
export const RECORD_HEADER_BYTES = 8;
const DEFAULT_SEGMENT_BYTES = 256 * 1024 * 1024;
// Large reads keep replay at a few syscalls per hundred records.
const READ_CHUNK_BYTES = 16 * 1024 * 1024;
const SEGMENT_NAME = /^(\d{8})\.seg$/;

const segmentName = (n: number): string => `${String(n).padStart(8, '0')}.seg`;

function segmentHeader(): Buffer {
  const h = Buffer.alloc(SEGMENT_HEADER_BYTES);
  h.writeUInt32LE(MAGIC, 0);
  h.writeUInt32LE(FORMAT_VERSION, 4);
  return h;
}

async function createSegment(dir: string, n: number): Promise<FileHandle> {
  const fh = await open(join(dir, segmentName(n)), 'wx+');
  try {
    await writeAll(fh, segmentHeader(), 0);
    await fh.datasync();
    await syncDir(dir);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** A window over one file, refilled with large reads; records are parsed straight out of it. */
class ChunkReader {
  private buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  private start = 0;
  private have = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  /** Bytes [offset, offset + n), or fewer where the file ends first. */
  async bytes(offset: number, n: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(n, this.size - offset));
    if (offset < this.start || offset + want > this.start + this.have) await this.refill(offset, want);
    const from = offset - this.start;
    return this.buf.subarray(from, from + Math.min(want, this.have - from));
  }

  private async refill(offset: number, want: number): Promise<void> {
    const keep = offset - this.start;
    if (keep >= 0 && keep < this.have) {
      this.buf.copyWithin(0, keep, this.have);
      this.have -= keep;
    } else this.have = 0;
    this.start = offset;
    if (want > this.buf.length) {
      const bigger = Buffer.allocUnsafe(want);
      this.buf.copy(bigger, 0, 0, this.have);
      this.buf = bigger;
    }
    while (this.have < want) {
      const { bytesRead } = await this.fh.read(this.buf, this.have, this.buf.length - this.have, this.start + this.have);
      if (bytesRead === 0) break;
      this.have += bytesRead;
    }
  }
}

/** Why the record at an offset could not be read, and whether that can only be a torn write. */
interface BadRecord {
  offset: number;
  reason: string;
  /** The damage ends at end of file, so a crash mid-append explains it. */
  atTail: boolean;
}

interface ScanResult {
  end: number;
  batches: number;
  bad: BadRecord | null;
}

function parseBatch(payload: Buffer, file: string, offset: number): LoggedBatch {
  let value: unknown;
  try {
    value = JSON.parse(utf8Text(payload));
  } catch (err) {
    // The checksum held, so these bytes are what was written: a writer bug, not a torn write.
    throw new LogCorruptionError(file, offset, `record passes its checksum but is not JSON (${(err as Error).message})`);
  }
  const b = value as Partial<LoggedBatch> | null;
  if (typeof b !== 'object' || b === null || typeof b.recordedAt !== 'number' || !Array.isArray(b.events)) {
    throw new LogCorruptionError(file, offset, 'record is not a batch ({ recordedAt, events })');
  }
  return b as LoggedBatch;
}

async function zeroesToEnd(r: ChunkReader, offset: number): Promise<boolean> {
  for (let at = offset; at < r.size; ) {
    const chunk = await r.bytes(at, READ_CHUNK_BYTES);
    if (chunk.some((x) => x !== 0)) return false;
    at += chunk.length;
  }
  return true;
}

/** Reads the records of one segment from `startAt`, stopping at the first one that fails. */
async function scanSegment(fh: FileHandle, file: string, startAt: number, onBatch: (b: LoggedBatch) => void): Promise<ScanResult> {
  const { size } = await fh.stat();
  const r = new ChunkReader(fh, size);
  const header = await r.bytes(0, SEGMENT_HEADER_BYTES);
  if (header.length < SEGMENT_HEADER_BYTES) {
    return { end: 0, batches: 0, bad: { offset: 0, reason: `segment header cut short (${size} bytes)`, atTail: true } };
  }
  if (header.readUInt32LE(0) !== MAGIC || header.readUInt32LE(4) !== FORMAT_VERSION) {
    const blank = await zeroesToEnd(r, 0);
    const reason = blank ? 'segment is all zero bytes' : 'not a ctxgraph log segment, or a format version this build cannot read';
    return { end: 0, batches: 0, bad: { offset: 0, reason, atTail: blank } };
  }
  if (startAt > size) {
    throw new LogCorruptionError(file, startAt, `the snapshot's log position is past the end of the segment (${size} bytes); the log is older than the snapshot`);
  }
  let offset = Math.max(startAt, SEGMENT_HEADER_BYTES);
  let batches = 0;
  while (offset < size) {
    const head = await r.bytes(offset, RECORD_HEADER_BYTES);
    if (head.length < RECORD_HEADER_BYTES) {
      return { end: offset, batches, bad: { offset, reason: `record header cut short (${head.length} of ${RECORD_HEADER_BYTES} bytes)`, atTail: true } };
    }
    const length = head.readUInt32LE(0);
    const sum = head.readUInt32LE(4);
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > size) {
      return { end: offset, batches, bad: { offset, reason: `record of ${length} bytes runs past the end of the file (${size} bytes)`, atTail: true } };
    }
    // A batch is never empty JSON, so length 0 is damage (typically zero-filled blocks after a crash).
    const payload = length === 0 ? Buffer.alloc(0) : (await r.bytes(offset + RECORD_HEADER_BYTES, length));
    if (length === 0 || crc32(payload) !== sum) {
      const atTail = end === size || (await zeroesToEnd(r, end));
      return { end: offset, batches, bad: { offset, reason: length === 0 ? 'record of length 0' : 'record fails its checksum', atTail } };
    }
    onBatch(parseBatch(payload, file, offset));
    batches++;
    offset = end;
  }
  return { end: offset, batches, bad: null };
}

/**
 * Fills in the header of a record whose payload (the UTF-8 JSON of a `LoggedBatch`) is already in
 * place after `RECORD_HEADER_BYTES` bytes. A batch prepared in a worker comes to the log as such a
 * record: the store's thread writes it without copying it (the copy, and its checksum, cost that
 * thread a collection per 64 MiB of buffers, V8 counting them as external memory).
 */
export function sealRecord(record: Buffer): Buffer {
  const length = record.length - RECORD_HEADER_BYTES;
  record.writeUInt32LE(length, 0);
  record.writeUInt32LE(crc32(record.subarray(RECORD_HEADER_BYTES)), 4);
  return record;
}

/** Each plain batch as one `[length][crc32][JSON]` record, consecutive ones in one buffer; sealed records as they are. */
function encodeRecords(batches: readonly (LoggedBatch | Uint8Array)[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < batches.length; ) {
    const b = batches[i] as LoggedBatch | Uint8Array;
    if (b instanceof Uint8Array) {
      const record = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      if (record.length <= RECORD_HEADER_BYTES || record.readUInt32LE(0) !== record.length - RECORD_HEADER_BYTES) {
        throw new Error('an encoded batch is not a sealed log record (see sealRecord)');
      }
      out.push(record);
      i++;
      continue;
    }
    let j = i;
    while (j < batches.length && !((batches[j] as LoggedBatch | Uint8Array) instanceof Uint8Array)) j++;
    const texts = (batches.slice(i, j) as LoggedBatch[]).map((batch) => JSON.stringify(batch));
    const lengths = texts.map((t) => Buffer.byteLength(t, 'utf8'));
    const buf = Buffer.allocUnsafe(lengths.reduce((sum, n) => sum + RECORD_HEADER_BYTES + n, 0));
    let at = 0;
    texts.forEach((text, k) => {
      const length = lengths[k] as number;
      writeUtf8(buf, text, at + RECORD_HEADER_BYTES, length);
      sealRecord(buf.subarray(at, at + RECORD_HEADER_BYTES + length));
      at += RECORD_HEADER_BYTES + length;
    });
    out.push(buf);
    i = j;
  }
  return out;
}

class SegmentedLog implements EventLog {
  private busy = false;
  private closed = false;
  private broken: Error | null = null;

  constructor(
    private readonly dir: string,
    private fh: FileHandle,
    private segment: number,
    private offset: number,
    private readonly segmentBytes: number,
  ) {}

  position(): LogPosition {
    return { segment: this.segment, offset: this.offset };
  }

  append(batch: LoggedBatch): Promise<LogPosition> {
    return this.appendMany([batch]);
  }

  async appendMany(batches: readonly (LoggedBatch | Uint8Array)[]): Promise<LogPosition> {
    if (this.closed) throw new Error('event log is closed');
    if (this.broken) throw new Error(`event log failed earlier and accepts no more appends: ${this.broken.message}`);
    if (this.busy) throw new Error('event log append called while another append is in flight; callers must serialize appends');
    if (batches.length === 0) return this.position();
    this.busy = true;
    try {
      const records = encodeRecords(batches);
      const length = records.reduce((sum, r) => sum + r.length, 0);
      if (this.offset > SEGMENT_HEADER_BYTES && this.offset + length > this.segmentBytes) await this.roll();
      try {
        await writeAllOf(this.fh, records, this.offset);
        await this.fh.datasync();
      } catch (err) {
        await this.cutBack(err as Error);
        throw err;
      }
      this.offset += length;
      return this.position();
    } finally {
      this.busy = false;
    }
  }

  /** After a failed write, removes whatever part of the record reached the file. */
  private async cutBack(cause: Error): Promise<void> {
    try {
      await this.fh.truncate(this.offset);
      await this.fh.datasync();
    } catch {
      // A partial record could now sit before the next append's bytes: stop rather than corrupt.
      this.broken = cause;
    }
  }

  private async roll(): Promise<void> {
    const next = await createSegment(this.dir, this.segment + 1);
    const old = this.fh;
    this.fh = next;
    this.segment += 1;
    this.offset = SEGMENT_HEADER_BYTES;
    await old.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

async function listSegments(dir: string): Promise<number[]> {
  const numbers = (await readdir(dir))
    .map((name) => SEGMENT_NAME.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  numbers.forEach((n, i) => {
    const prev = numbers[i - 1];
    if (prev !== undefined && n !== prev + 1) {
      throw new LogCorruptionError(join(dir, segmentName(prev + 1)), 0, `segment missing between ${segmentName(prev)} and ${segmentName(n)}`);
    }
  });
  return numbers;
}

/**
 * Opens (creating if missing) the log in `dir`, replays every record after `from` through
 * `onBatch`, cuts off a torn record at the tail, and returns the log ready for appends.
 * Throws `LogCorruptionError` for damage that a crash mid-append cannot explain.
 */
export async function openEventLog(dir: string, options: OpenLogOptions): Promise<OpenLogResult> {
  const logger = options.logger ?? silentLogger;
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const from = options.from;
  await mkdirDurable(dir);
  const segments = await listSegments(dir);
  const last = segments[segments.length - 1];

  if (last === undefined || (from && from.segment > last)) {
    // Nothing to replay. New positions must still order after the snapshot's, hence the numbering.
    if (from) logger.warn({ dir, from, lastSegment: last ?? null }, 'the event log ends before the snapshot position; starting a new segment after it');
    const n = Math.max(last ?? 0, from?.segment ?? 0) + 1;
    const fh = await createSegment(dir, n);
    return { log: new SegmentedLog(dir, fh, n, SEGMENT_HEADER_BYTES, segmentBytes), replayedBatches: 0, droppedTail: null };
  }
  if (from && !segments.includes(from.segment)) {
    logger.warn({ dir, from, firstSegment: segments[0] }, "the snapshot's log segment is missing; replaying from the first segment there is");
  }

  let replayedBatches = 0;
  for (const n of segments) {
    if (from && n < from.segment) continue;
    const file = join(dir, segmentName(n));
    const isLast = n === last;
    const fh = await open(file, isLast ? 'r+' : 'r');
    let handedOver = false;
    try {
      const startAt = from && n === from.segment ? from.offset : 0;
      const scan = await scanSegment(fh, file, startAt, options.onBatch);
      replayedBatches += scan.batches;
      if (scan.bad && !(isLast && scan.bad.atTail)) throw new LogCorruptionError(file, scan.bad.offset, scan.bad.reason);
      if (!isLast) continue;
      let droppedTail: OpenLogResult['droppedTail'] = null;
      let end = scan.end;
      if (scan.bad) {
        const { size } = await fh.stat();
        droppedTail = { segment: n, offset: scan.bad.offset, bytes: size - scan.bad.offset };
        logger.warn({ file, ...droppedTail, reason: scan.bad.reason }, 'cutting a torn record off the end of the event log');
        await fh.truncate(scan.bad.offset);
        if (scan.bad.offset === 0) {
          await writeAll(fh, segmentHeader(), 0);
          end = SEGMENT_HEADER_BYTES;
        }
        await fh.sync();
      }
      handedOver = true;
      return { log: new SegmentedLog(dir, fh, n, end, segmentBytes), replayedBatches, droppedTail };
    } finally {
      if (!handedOver) await fh.close();
    }
  }
  throw new Error(`unreachable: the last segment of ${dir} was not opened`);
}
