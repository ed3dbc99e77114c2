/**
 * The embedded store: ctxgraph whole in one process. Indexes live in memory; every accepted batch
 * is one checksummed, fsynced record in an append-only log under the data directory, and periodic
 * snapshots bound the replay at start-up.
 *
 * Appends that arrive while the log is busy wait together and then share one write and one fsync
 * (group commit): each batch stays its own all-or-nothing record, and each caller is answered only
 * once its record is durable. Snapshots run beside the appends rather than in their way: the facts
 * they cover are fixed when they start, and facts never change.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloudEvent } from '../../../schema/events.js';
import { type Logger, silentLogger } from '../../logger.js';
import { applyEvent } from '../../model/apply.js';
import { eventKey, type Fact } from '../../model/facts.js';
import type { Instant } from '../../model/time.js';
import type { AppendRecord, AppendResult, GraphStore, StoreStats } from '../graph-store.js';
import { type EventLog, type LoggedBatch, type LogPosition, openEventLog } from './event-log.js';
import { GraphIndex } from './graph-index.js';
import { letGo } from './let-go.js';
import { type AppendStream, decodePrepared, type PreparedBatch } from './prepared-batch.js';
import { Slices } from './slices.js';
import { encodeEvents, loadLatestSnapshot, UnusableBaseSnapshot, writeSnapshot } from './snapshot.js';

export interface EmbeddedStoreOptions {
  /** Where the log and snapshots live; null keeps everything in memory only (tests, benchmarks). */
  dataDir: string | null;
  /**
   * Take a snapshot once this many events were stored since the last one, or a quarter of the
   * last one's size if that is more: each snapshot copies the one before it, so the copying stays
   * linear in the events stored, while the log to replay stays under a fifth of the store.
   */
  snapshotEveryEvents?: number;
  logger?: Logger;
}

export interface RecoveryReport {
  fromSnapshot: number;
  replayedEvents: number;
  droppedTailBytes: number;
}

type Entry = readonly [string, readonly Fact[]];

/**
 * Events stored since the last snapshot: the next snapshot's new part. They are handed over as
 * encoded frames at once, so their facts die young rather than wait for the snapshot in the old
 * generation (the frames are buffers outside the heap).
 */
interface Unsnapshotted {
  frames: Buffer[];
  /** Events of small appends, held until there are enough for a frame: a frame per event would make start-up read them one by one. */
  held: Entry[];
  events: number;
}

const nothingYet = (): Unsnapshotted => ({ frames: [], held: [], events: 0 });

/** Fewer events than this are held back rather than made a frame of their own. */
const MIN_FRAME_EVENTS = 1_000;

function addUnsnapshotted(u: Unsnapshotted, entries: Entry[], flush: boolean): void {
  u.events += entries.length;
  const all = u.held.length > 0 ? u.held.concat(entries) : entries;
  if (all.length >= MIN_FRAME_EVENTS || (flush && all.length > 0)) {
    u.frames.push(...encodeEvents(all).frames);
    u.held = [];
  } else u.held = all;
}

/** Frames encoded elsewhere, for `events` events. */
function addFrames(u: Unsnapshotted, frames: readonly Uint8Array[], events: number): void {
  u.events += events;
  for (const f of frames) u.frames.push(Buffer.from(f.buffer, f.byteOffset, f.byteLength));
}

/** A batch's events as a commit reads them: decoded from a prepared batch (`DecodedEvents`), or records. */
interface Incoming {
  readonly length: number;
  readonly keys: readonly string[];
  /** Adds the facts of event `i`, whose key is claimed, to `index`. */
  addTo(index: GraphIndex, i: number): void;
  facts(i: number): readonly Fact[];
}

/** The records of a plain append, as `Incoming`. */
class Records implements Incoming {
  readonly keys: string[];
  constructor(readonly records: readonly AppendRecord[]) {
    this.keys = records.map((r) => r.key);
  }
  get length(): number {
    return this.records.length;
  }
  addTo(index: GraphIndex, i: number): void {
    index.addClaimed(this.keys[i] as string, (this.records[i] as AppendRecord).facts);
  }
  facts(i: number): readonly Fact[] {
    return (this.records[i] as AppendRecord).facts;
  }
}

/** One caller's batch waiting for the log: records with their events, or a batch prepared elsewhere. */
interface Waiting {
  events: Incoming;
  /** Set for a plain append: the log writes their events. */
  records: readonly AppendRecord[] | null;
  /** Set for a prepared batch: its record is logged as it is, its frames go to the next snapshot. */
  prepared: PreparedBatch | null;
  stream: AppendStream | null;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/** Work that must run between appends, when the index and the log position agree. */
interface Barrier {
  run: () => void;
}

/** A snapshot file and how many events it holds. */
interface SnapshotFile {
  name: string;
  events: number;
}

/**
 * What one snapshot covers, up to `position` in the log: its base file's events, then `fresh`; or,
 * for a whole snapshot (no base), every event in `whole`.
 */
interface SnapshotJob {
  position: LogPosition;
  base: SnapshotFile | null;
  fresh: Unsnapshotted;
  whole: Entry[] | null;
}

/** A shutdown snapshots first when at least this many events are outside the last snapshot. */
const CLOSE_SNAPSHOT_MIN_EVENTS = 1_000;

/** The replay after a snapshot grows at most by this share of the snapshot before one is due. */
const GROWTH_SHARE = 4;

export class EmbeddedStore implements GraphStore {
  private readonly slices: Slices;
  private readonly waiting: (Waiting | Barrier)[] = [];
  private draining: Promise<void> | null = null;
  private sinceSnapshot: Unsnapshotted = nothingYet();
  /** The newest snapshot file, which holds every stored event not in `sinceSnapshot`. */
  private lastSnapshot: SnapshotFile | null = null;
  /**
   * Set when `sinceSnapshot` does not hold every event missing from the last snapshot (a start-up
   * without one, a base found damaged): the next snapshot is then taken whole from the index.
   */
  private needsWhole = false;
  private snapshotting: Promise<void> | null = null;
  private closed = false;
  /** Keys claimed by a write not yet durable: not stored events yet. */
  private claimedInFlight = 0;

  private constructor(
    readonly index: GraphIndex,
    private readonly log: EventLog | null,
    private readonly dataDir: string | null,
    private readonly snapshotEvery: number,
    private readonly logger: Logger,
  ) {
    this.slices = new Slices(index);
  }

  static async open(options: EmbeddedStoreOptions): Promise<{ store: EmbeddedStore; recovery: RecoveryReport }> {
    const logger = options.logger ?? silentLogger;
    const every = options.snapshotEveryEvents ?? 250_000;
    if (options.dataDir === null) {
      return { store: new EmbeddedStore(new GraphIndex(), null, null, every, logger), recovery: { fromSnapshot: 0, replayedEvents: 0, droppedTailBytes: 0 } };
    }
    const dir = options.dataDir;
    await mkdir(join(dir, 'snapshots'), { recursive: true });
    let index = new GraphIndex();
    const snap = await loadLatestSnapshot(join(dir, 'snapshots'), logger, () => {
      // A fresh index per attempt: a snapshot found damaged half-way leaves nothing behind.
      const into = (index = new GraphIndex());
      // The snapshot reader already shares one key string among an event's facts.
      return (key, facts) => into.addEvent(key, facts);
    });
    if (!snap) index = new GraphIndex();
    const replayed = nothingYet();
    const opened = await openEventLog(join(dir, 'log'), {
      ...(snap ? { from: snap.position } : {}),
      logger,
      onBatch: (b) => {
        const added: Entry[] = [];
        for (const e of b.events) {
          const facts = applyEvent(e, b.recordedAt);
          // applyEvent stamps every fact with the event's key: reuse it rather than build it again.
          const key = facts[0]?.key ?? eventKey(e.source, e.id);
          if (!index.addNewEvent(key, facts)) continue;
          added.push([key, facts]);
        }
        // After a snapshot the replay is short, and becomes the next snapshot's new part; without
        // one, the next snapshot is whole anyway, and encoding the whole log here would slow start-up.
        if (snap) addUnsnapshotted(replayed, added, false);
        else replayed.events += added.length;
      },
    });
    const store = new EmbeddedStore(index, opened.log, dir, every, logger);
    store.sinceSnapshot = replayed;
    store.needsWhole = !snap && replayed.events > 0;
    store.lastSnapshot = snap && { name: snap.name, events: snap.events };
    const recovery = { fromSnapshot: snap?.events ?? 0, replayedEvents: replayed.events, droppedTailBytes: opened.droppedTail?.bytes ?? 0 };
    if (opened.droppedTail) logger.warn({ droppedTail: opened.droppedTail }, 'dropped a torn record at the end of the log');
    logger.info(recovery, 'embedded store opened');
    return { store, recovery };
  }

  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    return this.enqueue(new Records(records), records, null);
  }

  /**
   * Appends a batch that another thread validated, applied and encoded (`prepareBatch`): only the
   * decoding into facts runs here, at once, so it overlaps the log write of the batch before.
   */
  appendPrepared(batch: PreparedBatch, stream?: AppendStream): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (stream?.failure) return Promise.reject(stream.failure.error);
    return this.enqueue(decodePrepared(batch), null, batch, stream ?? null);
  }

  private enqueue(events: Incoming, records: readonly AppendRecord[] | null, prepared: PreparedBatch | null, stream: AppendStream | null = null): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ events, records, prepared, stream, resolve, reject });
      this.drain();
    });
  }

  /** Runs `run` after the appends queued before it, before those queued after it. */
  private barrier<T>(run: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push({
        run: () => {
          try {
            resolve(run());
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        },
      });
      this.drain();
    });
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = (async () => {
      while (this.waiting.length > 0) {
        const head = this.waiting[0] as Waiting | Barrier;
        if ('run' in head) {
          this.waiting.shift();
          head.run();
          continue;
        }
        // Every append that queued while the log was busy goes in this one write.
        let n = 0;
        while (n < this.waiting.length && !('run' in (this.waiting[n] as Waiting | Barrier))) n++;
        const group = this.waiting.splice(0, n) as Waiting[];
        // A bug must fail its callers, not wedge every append after it (a settled promise ignores the rest).
        await this.commit(group).catch((e: unknown) => group.forEach((w) => w.reject(e)));
      }
    })().finally(() => {
      this.draining = null;
      // An append that arrived after the loop saw an empty queue, but before this ran, found
      // `draining` still set and left its work to us.
      if (this.waiting.length > 0) this.drain();
    });
  }

  /** Deduplicates, makes the new records durable in one write, then shows them and answers. */
  private async commit(all: readonly Waiting[]): Promise<void> {
    // A batch of a stream whose earlier write failed is not stored.
    const group = all.filter((w) => {
      if (!w.stream?.failure) return true;
      w.reject(w.stream.failure.error);
      return false;
    });
    // Keys are claimed now (one look-up says new or repeat, within the group too) and their facts
    // added once durable; a failed write gives them back.
    const plans = group.map((w) => {
      const outcomes: ('accepted' | 'duplicate')[] = [];
      // The numbers of the batch's new events.
      const fresh: number[] = [];
      const { keys } = w.events;
      for (let i = 0; i < keys.length; i++) {
        if (!this.index.claim(keys[i] as string)) outcomes.push('duplicate');
        else {
          fresh.push(i);
          outcomes.push('accepted');
        }
      }
      this.claimedInFlight += fresh.length;
      return { w, outcomes, fresh };
    });
    const batches: (LoggedBatch | Uint8Array)[] = [];
    for (const { w, fresh } of plans) {
      if (fresh.length === 0) continue;
      // A prepared record is logged whole, repeats and all: replay skips events it already holds.
      if (w.prepared) batches.push(w.prepared.record);
      else {
        const records = w.records as readonly AppendRecord[];
        const recordedAt = (records[fresh[0] as number] as AppendRecord).facts[0]?.recordedAt ?? Date.now();
        batches.push({ recordedAt, events: fresh.map((i): CloudEvent => (records[i] as AppendRecord).event) });
      }
    }
    try {
      // Durable first: the index (what readers see) changes only after the fsync.
      if (this.log && batches.length > 0) await this.log.appendMany(batches);
    } catch (e) {
      for (const { w, fresh } of plans) {
        for (const i of fresh) this.index.release(w.events.keys[i] as string);
        this.claimedInFlight -= fresh.length;
        // Marked at once: a later batch of the stream fails whenever it arrives.
        if (w.stream) w.stream.failure ??= { error: e instanceof Error ? e : new Error(String(e)) };
        w.reject(e);
      }
      return;
    }
    const added: Entry[] = [];
    for (const { w, outcomes, fresh } of plans) {
      // A prepared batch with no repeats brings its snapshot frames ready-made.
      const framed = w.prepared !== null && fresh.length === w.events.length;
      for (const i of fresh) {
        w.events.addTo(this.index, i);
        if (!framed && this.log) added.push([w.events.keys[i] as string, w.events.facts(i)]);
      }
      this.claimedInFlight -= fresh.length;
      if (framed && this.log && fresh.length > 0) addFrames(this.sinceSnapshot, (w.prepared as PreparedBatch).frames, fresh.length);
      // Written, and its facts indexed: the log record and the keys are read no more.
      if (w.prepared) for (const bytes of [w.prepared.record, w.prepared.keys]) letGo(bytes);
      w.resolve({ outcomes, accepted: fresh.length, duplicates: w.events.length - fresh.length });
    }
    if (this.log && added.length > 0) addUnsnapshotted(this.sinceSnapshot, added, false);
    this.snapshotIfDue();
  }

  private snapshotDue(): boolean {
    return this.sinceSnapshot.events >= Math.max(this.snapshotEvery, (this.lastSnapshot?.events ?? 0) / GROWTH_SHARE);
  }

  /** Call between appends only (in `commit` or a barrier), where the index and the log position agree. */
  private snapshotIfDue(): void {
    if (!this.log || this.snapshotting || !this.snapshotDue()) return;
    // The batches are durable and visible already: a failed snapshot must not fail them.
    this.startSnapshot().catch((e: unknown) => this.logger.error({ err: e }, 'snapshot failed; the log still holds everything'));
  }

  /**
   * Writes a snapshot of everything stored so far, after the appends already queued. Resolves
   * once it is durable.
   */
  async snapshot(): Promise<void> {
    if (!this.log) return;
    for (;;) {
      // One already running may have started before appends this call must cover: let it finish.
      await this.snapshotting?.catch(() => undefined);
      const mine = await this.barrier(() => (this.snapshotting ? null : { written: this.startSnapshot() }));
      if (mine) return mine.written;
    }
  }

  /**
   * Fixes what the snapshot covers (the log position, and the events since the last snapshot)
   * synchronously, between appends, then writes it in the background. Only one runs at a time.
   */
  private startSnapshot(): Promise<void> {
    const { log, dataDir } = this;
    if (!log || !dataDir) return Promise.resolve();
    if (this.snapshotting) return this.snapshotting;
    // The last snapshot already covers everything.
    if (this.lastSnapshot && this.sinceSnapshot.events === 0) return Promise.resolve();
    const first = this.takeSnapshotJob(log);
    this.snapshotting = (async () => {
      for (let job: SnapshotJob | null = first; job; ) {
        await this.runSnapshot(dataDir, log, job);
        // Appends that came meanwhile may have made the next one due.
        job = await this.barrier(() => (this.snapshotDue() ? this.takeSnapshotJob(log) : null));
      }
    })().finally(() => {
      this.snapshotting = null;
    });
    return this.snapshotting;
  }

  /** Called between appends only: the events handed over are exactly those up to the position. */
  private takeSnapshotJob(log: EventLog): SnapshotJob {
    const fresh = this.sinceSnapshot;
    addUnsnapshotted(fresh, [], true);
    this.sinceSnapshot = nothingYet();
    if (!this.needsWhole) return { position: log.position(), base: this.lastSnapshot, fresh, whole: null };
    this.needsWhole = false;
    return { position: log.position(), base: null, fresh, whole: [...this.index.factsByEvent()] };
  }

  private async runSnapshot(dataDir: string, log: EventLog, job: SnapshotJob): Promise<void> {
    const started = performance.now();
    try {
      this.lastSnapshot = await this.writeSnapshotFile(dataDir, job);
    } catch (e) {
      if (!(e instanceof UnusableBaseSnapshot)) throw e;
      this.logger.warn({ reason: e.message }, 'cannot extend the last snapshot; writing a whole one');
      this.needsWhole = true;
      const whole = await this.barrier(() => this.takeSnapshotJob(log));
      this.lastSnapshot = await this.writeSnapshotFile(dataDir, whole);
    }
    this.logger.info({ ms: Math.round(performance.now() - started), events: this.lastSnapshot.events, whole: job.whole !== null }, 'snapshot written');
  }

  /** On failure the job's events go back to `sinceSnapshot`, so the next snapshot covers them. */
  private async writeSnapshotFile(dataDir: string, job: SnapshotJob): Promise<SnapshotFile> {
    try {
      if (job.whole) {
        const name = await writeSnapshot(join(dataDir, 'snapshots'), { position: job.position, createdAt: Date.now(), events: job.whole });
        return { name, events: job.whole.length };
      }
      const content = { position: job.position, createdAt: Date.now(), events: [], encoded: job.fresh };
      const name = await writeSnapshot(join(dataDir, 'snapshots'), content, job.base ? { base: job.base.name } : {});
      for (const f of job.fresh.frames) letGo(f);
      return { name, events: (job.base?.events ?? 0) + job.fresh.events };
    } catch (e) {
      const later = this.sinceSnapshot;
      this.sinceSnapshot = { frames: job.fresh.frames.concat(later.frames), held: later.held, events: job.fresh.events + later.events };
      if (job.whole) this.needsWhole = true;
      throw e;
    }
  }

  /**
   * Stops taking appends, finishes those queued and any snapshot running, and closes the log. A
   * clean shutdown with at least `CLOSE_SNAPSHOT_MIN_EVENTS` events outside the last snapshot first
   * writes one, so the next start replays almost nothing; should it fail, the log still has them.
   */
  async close(): Promise<void> {
    if (this.log && !this.closed && this.sinceSnapshot.events >= CLOSE_SNAPSHOT_MIN_EVENTS) {
      await this.snapshot().catch((e: unknown) => this.logger.error({ err: e }, 'snapshot at shutdown failed; the log still holds everything'));
    }
    this.closed = true;
    while (this.draining || this.snapshotting) {
      await this.draining;
      await this.snapshotting?.catch(() => undefined);
    }
    await this.log?.close();
  }

  graphAt = (t: Instant) => Promise.resolve(this.slices.graphAt(t));
  service = (id: string, t: Instant) => Promise.resolve(this.slices.serviceDetail(id, t));
  neighbourhood = (id: string, t: Instant, depth: number, direction: 'out' | 'in' | 'both') =>
    Promise.resolve(this.slices.neighbourhood(id, t, depth, direction));
  changes = (from: number, to: number, knownAt: number, service?: string) => Promise.resolve(this.slices.changes(from, to, knownAt, service));
  changesRecordedAfter = (after: number) => Promise.resolve(this.slices.changesRecordedAfter(after));
  deploy = (id: string, t: Instant) => Promise.resolve(this.slices.deploy(id, t));
  deploysBetween = (services: readonly string[], from: number, t: Instant) => Promise.resolve(this.slices.deploysBetween(services, from, t));
  configChangesBetween = (services: readonly string[], from: number, t: Instant) =>
    Promise.resolve(this.slices.configChangesBetween(services, from, t));
  alertsBetween = (services: readonly string[], from: number, t: Instant) => Promise.resolve(this.slices.alertsBetween(services, from, t));
  incident = (id: string, t: Instant) => Promise.resolve(this.slices.incident(id, t));
  incidents = (t: Instant) => Promise.resolve(this.slices.incidents(t));
  causalLinks = (t: Instant) => Promise.resolve(this.slices.causalLinks(t));
  stats = (): Promise<StoreStats> =>
    Promise.resolve({
      events: this.index.keys.size - this.claimedInFlight,
      facts: this.index.factCount,
      services: this.index.entities.service.size,
      dependencies: this.index.entities.dependency.size,
      lastRecordedAt: this.index.lastRecordedAt,
    });
}
