/**
 * Snapshots of the embedded store: every stored event's facts at one log position, so that start-up
 * replays only the log records after it.
 *
 * A snapshot is written to a temporary file, fsynced, then renamed to
 * `snapshot-<segment>-<offset>.bin` (names sort by log position), so a crash leaves either the old
 * set or the new one, never half a file under a real name. The newest two are kept: when the newest
 * is damaged, the one before it still bounds the replay (the log is never pruned).
 *
 * File: a 24-byte header (`CGSN`, u32 LE version, u32 LE 0, u32 LE 0, u64 LE body length), then
 * the body: frames of [u32 LE length][u32 LE crc32][UTF-8 JSON]. The first frame holds the position,
 * creation time and event count; each later one a slice of the events, flattened (see `flatten`).
 * Frames keep every piece small, so millions of facts never need one giant buffer, and they let a
 * snapshot be loaded one frame at a time.
 *
 * A new snapshot is usually the previous one plus the events stored since: its event frames are
 * copied byte for byte (their checksums checked on the way), so each event is serialised once, not
 * once per snapshot. JSON frames because start-up matters more than the write: measured on 200k
 * events, `JSON.parse` reads the flat lists in 60% of the time `v8.deserialize` takes.
 *
 * @example
 * await writeSnapshot('/data/snapshots', { position: log.position(), createdAt: Date.now(), events });
 * const snap = await loadLatestSnapshot('/data/snapshots', logger, () => (key, facts) => index.addEvent(key, facts));
 */
import { type FileHandle, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { type Logger, silentLogger } from '../../logger.js';
import type { EventType } from '../../../schema/events.js';
import type { Fact, FactKind } from '../../model/facts.js';
import { syncDir, writeAll } from './durable-io.js';
import type { LogPosition } from './event-log.js';
import type { Attrs } from './fact-columns.js';
import type { GraphIndex } from './graph-index.js';
import { utf8Text, writeUtf8 } from './utf8.js';

export interface SnapshotContent {
  /** The log position the snapshot covers: replay starts after it. */
  position: LogPosition;
  createdAt: number;
  /** Every stored event as [key, its facts]; with `base`, only those stored after the base's position. */
  events: readonly (readonly [string, readonly Fact[]])[];
  /** More events, already made into frames by `encodeEvents`; written before `events`. */
  encoded?: EncodedEvents;
}

/** Events made into snapshot frames ahead of time, so that their facts need not be kept until then. */
export interface EncodedEvents {
  frames: readonly Buffer[];
  events: number;
}

/** What a loaded snapshot was: its file (a base for the next one), position and size. */
export interface SnapshotInfo {
  name: string;
  position: LogPosition;
  createdAt: number;
  events: number;
}

/** Receives a loaded snapshot's events one by one. */
export type SnapshotSink = (key: string, facts: Fact[]) => void;

const MAGIC = 0x4e534743; // "CGSN" read as u32 LE
// Version 1 held v8.serialize frames; a version-1 file is skipped and the log replayed instead.
const FORMAT_VERSION = 2;
const HEADER_BYTES = 24;
const FRAME_HEADER_BYTES = 8;
const EVENTS_PER_FRAME = 20_000;
/** Room for one base frame copied into a new snapshot at first: more than a frame of a 5000-event batch. */
const BASE_COPY_BYTES = 2 * 1024 * 1024;
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

/** The base named for an incremental snapshot cannot be read; write a whole one instead. */
export class UnusableBaseSnapshot extends Error {
  override readonly name = 'UnusableBaseSnapshot';
}

const FACT_FIELDS = 5;

/**
 * Events as one flat list: key, fact count, then per fact kind, id, validFrom, recordedAt, type,
 * attrs. Smaller than the objects (each fact's copy of its event key is left out) and faster to
 * parse.
 */
function flatten(events: readonly (readonly [string, readonly Fact[]])[]): unknown[] {
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

/**
 * Walks the events of a flat list, checking its shape: `visit` gets each event's key and where its
 * first fact's fields start (the fact count is just before). Returns how many events there were.
 */
function eachFlatEvent(flat: unknown, visit: (key: string, at: number) => void): number {
  if (!Array.isArray(flat)) throw new InvalidSnapshot('an event frame is not a list');
  let i = 0;
  let n = 0;
  while (i < flat.length) {
    const key: unknown = flat[i];
    const count: unknown = flat[i + 1];
    if (typeof key !== 'string' || typeof count !== 'number' || i + 2 + count * (FACT_FIELDS + 1) > flat.length) {
      throw new InvalidSnapshot(`an event frame is malformed at item ${i}`);
    }
    visit(key, i + 2);
    i += 2 + count * (FACT_FIELDS + 1);
    n++;
  }
  return n;
}

/** The facts of the event whose fields start at `at` in a flat list (see `eachFlatEvent`). */
function flatFacts(flat: readonly unknown[], key: string, at: number): Fact[] {
  const count = flat[at - 1] as number;
  const facts: Fact[] = [];
  for (let j = 0, i = at; j < count; j++, i += FACT_FIELDS + 1) {
    // Same property order as applyEvent's facts, so both share one object shape.
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
  return facts;
}

/** Hands each event of a frame to `sink`; returns how many there were. */
function unflatten(flat: unknown, sink: SnapshotSink): number {
  return eachFlatEvent(flat, (key, at) => sink(key, flatFacts(flat as unknown[], key, at)));
}

function encodeFrame(value: unknown): Buffer {
  const text = JSON.stringify(value);
  const length = Buffer.byteLength(text, 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  writeUtf8(frame, text, FRAME_HEADER_BYTES, length);
  frame.writeUInt32LE(length, 0);
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
  return frame;
}

/** Makes events into snapshot frames, to be handed to `writeSnapshot` later as `encoded`. */
export function encodeEvents(events: readonly (readonly [string, readonly Fact[]])[]): EncodedEvents {
  const frames: Buffer[] = [];
  for (let i = 0; i < events.length; i += EVENTS_PER_FRAME) frames.push(encodeFrame(flatten(events.slice(i, i + EVENTS_PER_FRAME))));
  return { frames, events: events.length };
}

/**
 * Events of frames made by `encodeEvents` in this process, decoded and read in place: the index
 * takes each fact's fields straight from the decoded list, with no `Fact` object in between (a
 * million of them, kept alive while their batch waits for its write, cost the store's thread more
 * in collection than in building). Checksums are not checked: the bytes never left memory.
 */
export class DecodedEvents {
  readonly keys: string[] = [];
  private readonly lists: (readonly unknown[])[] = [];
  private readonly starts: number[] = [];

  /** Decodes one frame's events after those already here. */
  add(frame: Uint8Array): this {
    const list = JSON.parse(utf8Text(frame, FRAME_HEADER_BYTES)) as unknown[];
    eachFlatEvent(list, (key, at) => {
      this.keys.push(key);
      this.lists.push(list);
      this.starts.push(at);
    });
    return this;
  }

  get length(): number {
    return this.keys.length;
  }

  /** Adds the facts of event `i`, whose key is claimed, to `index`; `key`, where given, is an equal string to use instead of the frame's. */
  addTo(index: GraphIndex, i: number, key = this.keys[i] as string): void {
    const flat = this.lists[i] as readonly unknown[];
    const at = this.starts[i] as number;
    const count = flat[at - 1] as number;
    for (let j = 0, f = at; j < count; j++, f += FACT_FIELDS + 1) {
      index.addFact(flat[f] as FactKind, flat[f + 1] as string, flat[f + 2] as number, flat[f + 3] as number, key, flat[f + 4] as EventType, flat[f + 5] as Attrs);
    }
  }

  /** The facts of event `i`, as objects. */
  facts(i: number): Fact[] {
    return flatFacts(this.lists[i] as readonly unknown[], this.keys[i] as string, this.starts[i] as number);
  }
}

/** Reads a file's frames one at a time, checking each frame's checksum before its bytes are used. */
class FrameReader {
  offset = HEADER_BYTES;

  private constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  static async open(fh: FileHandle): Promise<FrameReader> {
    const { size } = await fh.stat();
    if (size < HEADER_BYTES) throw new InvalidSnapshot(`only ${size} bytes, shorter than the header`);
    const header = await readExactly(fh, HEADER_BYTES, 0);
    if (header.readUInt32LE(0) !== MAGIC) throw new InvalidSnapshot('not a ctxgraph snapshot (bad magic)');
    if (header.readUInt32LE(4) !== FORMAT_VERSION) throw new InvalidSnapshot(`format version ${header.readUInt32LE(4)} is not one this build reads`);
    const bodyLength = Number(header.readBigUInt64LE(16));
    if (HEADER_BYTES + bodyLength !== size) throw new InvalidSnapshot(`header says ${bodyLength} body bytes, file has ${size - HEADER_BYTES}`);
    return new FrameReader(fh, size);
  }

  get done(): boolean {
    return this.offset >= this.size;
  }

  /**
   * The next whole frame, header included, its checksum verified: in `room` where it fits (the
   * frame is then a view of it, valid until `room` is used again), else in a buffer of its own.
   */
  async next(room?: Buffer): Promise<Buffer> {
    const at = this.offset;
    if (this.size - at < FRAME_HEADER_BYTES) throw new InvalidSnapshot(`frame header cut short at byte ${at}`);
    const head = await readExactly(this.fh, FRAME_HEADER_BYTES, at);
    const length = head.readUInt32LE(0);
    if (at + FRAME_HEADER_BYTES + length > this.size) throw new InvalidSnapshot(`frame at byte ${at} runs past the end of the file`);
    const frame = room && room.length >= FRAME_HEADER_BYTES + length ? room.subarray(0, FRAME_HEADER_BYTES + length) : Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
    head.copy(frame, 0);
    await readInto(this.fh, frame.subarray(FRAME_HEADER_BYTES), at + FRAME_HEADER_BYTES);
    if (crc32(frame.subarray(FRAME_HEADER_BYTES)) !== head.readUInt32LE(4)) throw new InvalidSnapshot(`frame at byte ${at} fails its checksum`);
    this.offset = at + frame.length;
    return frame;
  }

  /** The next frame's JSON value. */
  async value(): Promise<unknown> {
    const at = this.offset;
    const frame = await this.next();
    try {
      return JSON.parse(utf8Text(frame, FRAME_HEADER_BYTES)) as unknown;
    } catch (err) {
      throw new InvalidSnapshot(`frame at byte ${at} passes its checksum but is not JSON (${(err as Error).message})`);
    }
  }

  async meta(): Promise<Meta> {
    const meta = await this.value();
    if (!isMeta(meta)) throw new InvalidSnapshot('first frame is not the snapshot header');
    return meta;
  }
}

/**
 * Writes `content` as the newest snapshot in `dir` (created if missing) and deletes all but the
 * newest two. With `base` (the name of an earlier snapshot in `dir`), the new snapshot holds the
 * base's events followed by `content.events`, which must be exactly those stored after the base's
 * position; it throws `UnusableBaseSnapshot` when the base cannot be read, and the caller writes a
 * whole snapshot instead. Resolves with the new file's name once it is durable under that name.
 */
export async function writeSnapshot(dir: string, content: SnapshotContent, options: { base?: string } = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = snapshotName(content.position);
  const temp = join(dir, name + TEMP_SUFFIX);
  const base = options.base === undefined ? null : await openBase(join(dir, options.base));
  const fh = await open(temp, 'w');
  try {
    let offset = HEADER_BYTES;
    const put = async (frame: Buffer): Promise<void> => {
      await writeAll(fh, frame, offset);
      offset += frame.length;
    };
    const encoded = content.encoded ?? { frames: [], events: 0 };
    const meta: Meta = { position: content.position, createdAt: content.createdAt, events: (base?.meta.events ?? 0) + encoded.events + content.events.length };
    await put(encodeFrame(meta));
    if (base) {
      // One buffer for every base frame, each written before the next is read: V8 counts each
      // buffer the store's thread takes as external memory, a full collection per 64 MiB of them,
      // and a base runs to hundreds of MiB.
      let room: Buffer = Buffer.allocUnsafeSlow(BASE_COPY_BYTES);
      try {
        while (!base.frames.done) {
          const frame = await base.frames.next(room);
          await put(frame);
          if (frame.buffer !== room.buffer) room = frame;
        }
      } catch (err) {
        throw err instanceof InvalidSnapshot ? new UnusableBaseSnapshot(`base snapshot ${options.base ?? ''}: ${err.message}`) : err;
      }
    }
    for (const frame of encoded.frames) await put(frame);
    for (let i = 0; i < content.events.length; i += EVENTS_PER_FRAME) await put(encodeFrame(flatten(content.events.slice(i, i + EVENTS_PER_FRAME))));
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(FORMAT_VERSION, 4);
    header.writeBigUInt64LE(BigInt(offset - HEADER_BYTES), 16);
    await writeAll(fh, header, 0);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  } finally {
    await base?.close();
  }
  await fh.close();
  await rename(temp, join(dir, name));
  await syncDir(dir);
  await prune(dir, name);
  return name;
}

/** The base of an incremental snapshot, positioned at its first event frame. */
async function openBase(path: string): Promise<{ meta: Meta; frames: FrameReader; close: () => Promise<void> }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new UnusableBaseSnapshot(`base snapshot ${path}: ${(err as Error).message}`);
  }
  try {
    const frames = await FrameReader.open(fh);
    return { meta: await frames.meta(), frames, close: () => fh.close() };
  } catch (err) {
    await fh.close();
    throw err instanceof InvalidSnapshot ? new UnusableBaseSnapshot(`base snapshot ${path}: ${err.message}`) : err;
  }
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
  return readInto(fh, Buffer.allocUnsafe(length), position);
}

/** Fills `buf` from `position`. */
async function readInto(fh: FileHandle, buf: Buffer, position: number): Promise<Buffer> {
  const length = buf.length;
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

/** Streams one snapshot file's events into `sink`; throws `InvalidSnapshot` at the first damage. */
async function loadSnapshotFile(path: string, sink: SnapshotSink): Promise<Meta> {
  const fh = await open(path, 'r');
  try {
    const frames = await FrameReader.open(fh);
    const meta = await frames.meta();
    let events = 0;
    while (!frames.done) events += unflatten(await frames.value(), sink);
    if (events !== meta.events) throw new InvalidSnapshot(`holds ${events} events, its header says ${meta.events}`);
    return meta;
  } finally {
    await fh.close();
  }
}

/**
 * Loads the newest snapshot that is whole, one frame at a time, so a million events never sit in
 * memory twice. Each attempt starts with `begin()`, which returns where that attempt's events go:
 * when a snapshot turns out damaged part-way, the caller must drop what the attempt received (a
 * fresh index per `begin()` does that). The damage is logged and an older snapshot tried. Returns
 * null when there is no usable snapshot.
 */
export async function loadLatestSnapshot(dir: string, logger: Logger, begin: () => SnapshotSink): Promise<SnapshotInfo | null> {
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
      const meta = await loadSnapshotFile(path, begin());
      return { name, ...meta };
    } catch (err) {
      if (!(err instanceof InvalidSnapshot)) throw err;
      logger.warn({ file: path, reason: err.message }, 'skipping a damaged snapshot; falling back to an older one');
    }
  }
  return null;
}

/** The newest usable snapshot whole, or null when there is none (see `loadLatestSnapshot`). */
export async function readLatestSnapshot(dir: string, logger: Logger = silentLogger): Promise<SnapshotContent | null> {
  let events: [string, Fact[]][] = [];
  const info = await loadLatestSnapshot(dir, logger, () => {
    const mine: [string, Fact[]][] = [];
    events = mine;
    return (key, facts) => mine.push([key, facts]);
  });
  return info && { position: info.position, createdAt: info.createdAt, events };
}
