/**
 * An NDJSON file cut into chunks of whole lines, for the file door's worker threads, and the
 * messages that carry them. Cutting needs only the newline bytes: no decoding, no parsing.
 */
import { open } from 'node:fs/promises';
import type { PreparedBatch } from '../store/memory/prepared-batch.js';

/** One chunk of whole lines, sent to a worker. */
export interface ChunkJob {
  seq: number;
  /** UTF-8 bytes of whole lines; the file's last line may lack its newline. Owns its buffer (transferred). */
  bytes: Uint8Array;
  /** The 1-based line number of the chunk's first line. */
  firstLine: number;
  checkOnly: boolean;
}

/** A problem on one line of a chunk. */
export interface LineError {
  line: number;
  id: string | null;
  path: string;
  message: string;
}

/** A worker's answer for one chunk. */
export interface ChunkDone {
  seq: number;
  /** Non-blank lines in the chunk (or before its first line that is not JSON, when storing). */
  items: number;
  errors: LineError[];
  /** The chunk's events ready for the store; null when checking only or when the chunk has errors. */
  batch: PreparedBatch | null;
}

/** A chunk as cut from the file: its bytes, first line number and line count. */
export interface Chunk {
  bytes: Uint8Array;
  firstLine: number;
  lines: number;
}

const READ_BYTES = 4 << 20;

/**
 * Yields the file in chunks of `lines` lines (the last one shorter), reading `READ_BYTES` at a
 * time: memory stays bounded by a few chunks whatever the file's size.
 */
export async function* chunksOf(file: string, lines: number): AsyncGenerator<Chunk> {
  const fh = await open(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(READ_BYTES);
    let have = 0;
    let position = 0;
    let firstLine = 1;
    let eof = false;
    // Bytes [0, have) of `buf` are read and not yet handed out; `scan` is where counting resumes.
    let scan = 0;
    let counted = 0;
    for (;;) {
      while (counted < lines) {
        const nl = buf.indexOf(10, scan);
        if (nl < 0 || nl >= have) break;
        counted++;
        scan = nl + 1;
      }
      if (counted === lines || (eof && have > 0)) {
        const end = counted === lines ? scan : have;
        const lineCount = counted === lines ? lines : counted + (scan < have ? 1 : 0);
        // A copy that owns its memory: it is transferred to a worker.
        yield { bytes: new Uint8Array(buf.subarray(0, end)), firstLine, lines: lineCount };
        firstLine += lineCount;
        buf.copyWithin(0, end, have);
        have -= end;
        scan = 0;
        counted = 0;
        continue;
      }
      if (eof) return;
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, have, buf.length - have, position);
      position += bytesRead;
      have += bytesRead;
      if (bytesRead === 0) eof = true;
    }
  } finally {
    await fh.close();
  }
}
