/**
 * Snapshots of the embedded store: every stored event's facts at one log position, so that start-up
 * replays only the log records after it.
 *
 * A snapshot is written to a temporary file, fsynced, then renamed to
 * `snapshot-<segment>-<offset>.bin` (names sort by log position), so a crash leaves either the old
 * set or the new one, never half a file under a real name. The newest two are kept: when the newest
 * fails its checksum, the one before it still bounds the replay (the log is never pruned).
 *
 * File: a 24-byte header (`CGSN`, u32 LE version, u32 LE crc32 of the body, u32 LE 0, u64 LE body
 * length), then the body: frames of [u32 LE length][u32 LE crc32][v8.serialize(value)]. The first
 * frame holds the position, creation time and event count; each later one a slice of the events,
 * flattened (see `flatten`). Framing keeps each v8.serialize small, so millions of facts never need
 * one giant buffer.
 *
 * @example
 * await writeSnapshot('/data/snapshots', { position: log.position(), createdAt: Date.now(), events });
 * const snap = await readLatestSnapshot('/data/snapshots', logger); // null when there is none
 */
import { type FileHandle, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import { type Logger, silentLogger } from '../../logger.js';
import type { Fact } from '../../model/facts.js';
import { syncDir, writeAll } from './durable-io.js';
import type { LogPosition } from './event-log.js';

export interface SnapshotContent {
  /** The log position the snapshot covers: replay starts after it. */
  position: LogPosition;
  createdAt: number;
  /** Every stored event as [key, its facts]. */
  events: [string, Fact[]][];
}

const MAGIC = 0x4e534743; // "CGSN" read as u32 LE
const FORMAT_VERSION = 1;
const HEADER_BYTES = 24;
const FRAME_HEADER_BYTES = 8;
const EVENTS_PER_FRAME = 20_000;
const KEEP = 2;
const SNAPSHOT_NAME = /^snapshot-(\d+)-(\d+)\.bin$/;
const TEMP_SUFFIX = '.tmp';

const snapshotName = (p: LogPosition): string =>
  `snapshot-${String(p.segment).padStart(8, '0')}-${String(p.offset).padStart(12, '0')}.bin`;

interface Meta {
  position: LogPosition;
  createdAt: number;
  events: number;
}

/** A snapshot file that cannot be used; the reader moves on to an older one. */
class InvalidSnapshot extends Error {}

const FACT_FIELDS = 5;

/**
 * Events as one flat list: key, fact count, then per fact kind, id, validFrom, recordedAt, type,
 * attrs. Measured on 200k facts, v8 (de)serializes this 2-3 times faster than the objects
 * themselves and 30% smaller, and each fact's copy of its event key is left out.
 */
function flatten(events: readonly [string, Fact[]][]): unknown[] {
  const flat: unknown[] = [];
  for (const [key, facts] of events) {
    flat.push(key, facts.length);
    for (const f of facts) {
      if (f.key !== key) throw new Error(`snapshot entry ${JSON.stringify(key)} holds a fact of another event (${JSON.stringify(f.key)})`);
      flat.push(f.kind, f.id, f.validFrom, f.recordedAt, f.type, f.attrs);
    }
  }
  return flat;
}

function unflatten(flat: unknown, into: [string, Fact[]][]): void {
  if (!Array.isArray(flat)) throw new InvalidSnapshot('an event frame is not a list');
  let i = 0;
  while (i < flat.length) {
    const key: unknown = flat[i];
    const n: unknown = flat[i + 1];
    if (typeof key !== 'string' || typeof n !== 'number' || i + 2 + n * (FACT_FIELDS + 1) > flat.length) {
      throw new InvalidSnapshot(`an event frame is malformed at item ${i}`);
    }
    i += 2;
    const facts: Fact[] = [];
    for (let j = 0; j < n; j++, i += FACT_FIELDS + 1) {
      facts.push({
        kind: flat[i] as Fact['kind'],
        id: flat[i + 1] as string,
        validFrom: flat[i + 2] as number,
        recordedAt: flat[i + 3] as number,
        key,
        type: flat[i + 4] as Fact['type'],
        attrs: flat[i + 5] as Fact['attrs'],
      });
    }
    into.push([key, facts]);
  }
}

/**
 * Writes `content` as the newest snapshot in `dir` (created if missing) and deletes all but the
 * newest two. Resolves once the snapshot is durable under its final name.
 */
export async function writeSnapshot(dir: string, content: SnapshotContent): Promise<void> {
  await mkdir(dir, { recursive: true });
  const name = snapshotName(content.position);
  const temp = join(dir, name + TEMP_SUFFIX);
  const fh = await open(temp, 'w');
  try {
    let offset = HEADER_BYTES;
    let bodyCrc = 0;
    const frame = async (value: unknown): Promise<void> => {
      const bytes = serialize(value);
      const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
      head.writeUInt32LE(bytes.length, 0);
      head.writeUInt32LE(crc32(bytes), 4);
      bodyCrc = crc32(bytes, crc32(head, bodyCrc));
      await writeAll(fh, head, offset);
      await writeAll(fh, bytes, offset + FRAME_HEADER_BYTES);
      offset += FRAME_HEADER_BYTES + bytes.length;
    };
    const meta: Meta = { position: content.position, createdAt: content.createdAt, events: content.events.length };
    await frame(meta);
    for (let i = 0; i < content.events.length; i += EVENTS_PER_FRAME) await frame(flatten(content.events.slice(i, i + EVENTS_PER_FRAME)));
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(FORMAT_VERSION, 4);
    header.writeUInt32LE(bodyCrc, 8);
    header.writeBigUInt64LE(BigInt(offset - HEADER_BYTES), 16);
    await writeAll(fh, header, 0);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(temp, join(dir, name));
  await syncDir(dir);
  await prune(dir, name);
}

/** Names of the snapshots in `dir`, oldest first. */
async function listSnapshots(dir: string): Promise<string[]> {
  const found: { name: string; segment: number; offset: number }[] = [];
  for (const name of await readdir(dir)) {
    const m = SNAPSHOT_NAME.exec(name);
    if (m) found.push({ name, segment: Number(m[1]), offset: Number(m[2]) });
  }
  return found.sort((a, b) => a.segment - b.segment || a.offset - b.offset).map((s) => s.name);
}

/**
 * Best effort: the new snapshot is already durable, and a leftover file costs only disk, so a
 * failed delete must not fail the append that triggered the snapshot.
 */
async function prune(dir: string, keepName: string): Promise<void> {
  try {
    const names = await listSnapshots(dir);
    const stale = names.slice(0, Math.max(0, names.length - KEEP)).filter((n) => n !== keepName);
    const temps = (await readdir(dir)).filter((n) => n.endsWith(TEMP_SUFFIX));
    await Promise.all([...stale, ...temps].map((n) => unlink(join(dir, n)).catch(() => undefined)));
    if (stale.length + temps.length > 0) await syncDir(dir);
  } catch {
    // See above: nothing to undo.
  }
}

async function readExactly(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new InvalidSnapshot(`file ends at byte ${position + done}, expected ${position + length}`);
    done += bytesRead;
  }
  return buf;
}

function isMeta(v: unknown): v is Meta {
  const m = v as Partial<Meta> | null;
  return (
    typeof m === 'object' && m !== null && typeof m.createdAt === 'number' && typeof m.events === 'number' &&
    typeof m.position?.segment === 'number' && typeof m.position.offset === 'number'
  );
}

async function readSnapshotFile(path: string): Promise<SnapshotContent> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size < HEADER_BYTES) throw new InvalidSnapshot(`only ${size} bytes, shorter than the header`);
    const header = await readExactly(fh, HEADER_BYTES, 0);
    if (header.readUInt32LE(0) !== MAGIC) throw new InvalidSnapshot('not a ctxgraph snapshot (bad magic)');
    if (header.readUInt32LE(4) !== FORMAT_VERSION) throw new InvalidSnapshot(`format version ${header.readUInt32LE(4)} is not one this build reads`);
    const bodyLength = Number(header.readBigUInt64LE(16));
    if (HEADER_BYTES + bodyLength !== size) throw new InvalidSnapshot(`header says ${bodyLength} body bytes, file has ${size - HEADER_BYTES}`);

    let offset = HEADER_BYTES;
    let bodyCrc = 0;
    const values: unknown[] = [];
    while (offset < size) {
      if (size - offset < FRAME_HEADER_BYTES) throw new InvalidSnapshot(`frame header cut short at byte ${offset}`);
      const head = await readExactly(fh, FRAME_HEADER_BYTES, offset);
      const length = head.readUInt32LE(0);
      if (offset + FRAME_HEADER_BYTES + length > size) throw new InvalidSnapshot(`frame at byte ${offset} runs past the end of the file`);
      const bytes = await readExactly(fh, length, offset + FRAME_HEADER_BYTES);
      // Checked before deserializing, so damaged bytes never reach v8.deserialize.
      if (crc32(bytes) !== head.readUInt32LE(4)) throw new InvalidSnapshot(`frame at byte ${offset} fails its checksum`);
      bodyCrc = crc32(bytes, crc32(head, bodyCrc));
      values.push(deserialize(bytes));
      offset += FRAME_HEADER_BYTES + length;
    }
    if (bodyCrc !== header.readUInt32LE(8)) throw new InvalidSnapshot('body fails its checksum');

    const [meta, ...chunks] = values;
    if (!isMeta(meta)) throw new InvalidSnapshot('first frame is not the snapshot header');
    const events: [string, Fact[]][] = [];
    for (const chunk of chunks) unflatten(chunk, events);
    if (events.length !== meta.events) throw new InvalidSnapshot(`holds ${events.length} events, its header says ${meta.events}`);
    return { position: meta.position, createdAt: meta.createdAt, events };
  } finally {
    await fh.close();
  }
}

/**
 * The newest snapshot whose checksum holds, or null when there is none. A damaged newer snapshot
 * is logged and skipped in favour of an older one.
 */
export async function readLatestSnapshot(dir: string, logger: Logger = silentLogger): Promise<SnapshotContent | null> {
  let names: string[];
  try {
    names = await listSnapshots(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  for (const name of names.reverse()) {
    const path = join(dir, name);
    try {
      return await readSnapshotFile(path);
    } catch (err) {
      if (!(err instanceof InvalidSnapshot)) throw err;
      logger.warn({ file: path, reason: err.message }, 'skipping a damaged snapshot; falling back to an older one');
    }
  }
  return null;
}
