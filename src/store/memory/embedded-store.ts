/**
 * The embedded store: ctxgraph whole in one process. Indexes live in memory; every accepted batch
 * is one checksummed, fsynced record in an append-only log under the data directory, and periodic
 * snapshots bound the replay at start-up.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloudEvent } from '../../../schema/events.js';
import { type Logger, silentLogger } from '../../logger.js';
import { applyEvent } from '../../model/apply.js';
import { eventKey } from '../../model/facts.js';
import type { Instant } from '../../model/time.js';
import type { AppendRecord, AppendResult, GraphStore, StoreStats } from '../graph-store.js';
import { type EventLog, openEventLog } from './event-log.js';
import { GraphIndex } from './graph-index.js';
import { Slices } from './slices.js';
import { readLatestSnapshot, writeSnapshot } from './snapshot.js';

export interface EmbeddedStoreOptions {
  /** Where the log and snapshots live; null keeps everything in memory only (tests, benchmarks). */
  dataDir: string | null;
  /** Take a snapshot after this many events since the last one. */
  snapshotEveryEvents?: number;
  logger?: Logger;
}

export interface RecoveryReport {
  fromSnapshot: number;
  replayedEvents: number;
  droppedTailBytes: number;
}

export class EmbeddedStore implements GraphStore {
  private readonly slices: Slices;
  private queue: Promise<unknown> = Promise.resolve();
  private sinceSnapshot = 0;
  private closed = false;

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
    const index = new GraphIndex();
    const snap = await readLatestSnapshot(join(dir, 'snapshots'), logger);
    for (const [key, facts] of snap?.events ?? []) {
      // The snapshot reader already shares one key string among an event's facts.
      index.addEvent(key, facts);
    }
    let replayedEvents = 0;
    const opened = await openEventLog(join(dir, 'log'), {
      ...(snap ? { from: snap.position } : {}),
      logger,
      onBatch: (b) => {
        for (const e of b.events) {
          const key = eventKey(e.source, e.id);
          if (index.keys.has(key)) continue;
          index.addEvent(key, applyEvent(e, b.recordedAt));
          replayedEvents++;
        }
      },
    });
    const store = new EmbeddedStore(index, opened.log, dir, every, logger);
    store.sinceSnapshot = replayedEvents;
    const recovery = { fromSnapshot: snap?.events.length ?? 0, replayedEvents, droppedTailBytes: opened.droppedTail?.bytes ?? 0 };
    if (opened.droppedTail) logger.warn({ droppedTail: opened.droppedTail }, 'dropped a torn record at the end of the log');
    logger.info(recovery, 'embedded store opened');
    return { store, recovery };
  }

  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const run = this.queue.then(() => this.appendNow(records));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendNow(records: readonly AppendRecord[]): Promise<AppendResult> {
    const seen = new Set<string>();
    const outcomes: ('accepted' | 'duplicate')[] = [];
    const fresh: AppendRecord[] = [];
    for (const r of records) {
      if (this.index.keys.has(r.key) || seen.has(r.key)) outcomes.push('duplicate');
      else {
        seen.add(r.key);
        fresh.push(r);
        outcomes.push('accepted');
      }
    }
    if (fresh.length > 0) {
      const recordedAt = (fresh[0] as AppendRecord).facts[0]?.recordedAt ?? Date.now();
      const events: CloudEvent[] = fresh.map((r) => r.event);
      // Durable first: the index (what readers see) changes only after the fsync.
      if (this.log) await this.log.append({ recordedAt, events });
      for (const r of fresh) this.index.addEvent(r.key, r.facts);
      this.sinceSnapshot += fresh.length;
      if (this.log && this.sinceSnapshot >= this.snapshotEvery) {
        // The batch is durable and visible already: a failed snapshot must not fail its append.
        await this.snapshotNow().catch((e: unknown) => this.logger.error({ err: e }, 'snapshot failed; the log still holds everything'));
      }
    }
    return { outcomes, accepted: fresh.length, duplicates: records.length - fresh.length };
  }

  /** Writes a snapshot of everything stored so far (runs in the append queue). */
  snapshot(): Promise<void> {
    const run = this.queue.then(() => this.snapshotNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async snapshotNow(): Promise<void> {
    if (!this.log || !this.dataDir) return;
    const started = performance.now();
    await writeSnapshot(join(this.dataDir, 'snapshots'), {
      position: this.log.position(),
      createdAt: Date.now(),
      events: [...this.index.factsByEvent()],
    });
    this.sinceSnapshot = 0;
    this.logger.info({ ms: Math.round(performance.now() - started), events: this.index.keys.size }, 'snapshot written');
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.log?.close();
  }

  graphAt = (t: Instant) => Promise.resolve(this.slices.graphAt(t));
  service = (id: string, t: Instant) => Promise.resolve(this.slices.serviceDetail(id, t));
  neighbourhood = (id: string, t: Instant, depth: number, direction: 'out' | 'in' | 'both') =>
    Promise.resolve(this.slices.neighbourhood(id, t, depth, direction));
  changes = (from: number, to: number, knownAt: number, service?: string) => Promise.resolve(this.slices.changes(from, to, knownAt, service));
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
      events: this.index.keys.size,
      facts: this.index.factCount,
      services: this.index.entities.service.size,
      dependencies: this.index.entities.dependency.size,
    });
}
