/**
 * Wiring and lifecycle: build the store, the pipeline, the control and trust layers, the doors and
 * the API; stop them in order on SIGTERM so that nothing acknowledged is lost.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { demoEvents } from '../bench/demo.js';
import { createKafkaIngestor } from '../ingestors/kafka.js';
import { createHttpServer } from './api/server.js';
import type { Config } from './config.js';
import type { AuditRecordInput } from './control/audit.js';
import { createHealthWatcher } from './control/health-watcher.js';
import { openControl } from './control/open-control.js';
import { type EventSink, type FileProgress, ingestFiles } from './ingest/file.js';
import { createPipeline, type Pipeline } from './ingest/pipeline.js';
import { remoteSink } from './ingest/remote.js';
import type { Logger } from './logger.js';
import type { Json } from './model/facts.js';
import { createMetrics } from './ops/metrics.js';
import type { GraphStore } from './store/graph-store.js';
import { lockDataDir } from './store/memory/dir-lock.js';
import { EmbeddedStore } from './store/memory/embedded-store.js';
import { openNeo4jStore } from './store/neo4j/neo4j-store.js';
import type { LadderTransition } from './trust/ladder.js';
import { openEventSourcedTrustStore } from './trust-store/event-sourced.js';
import { registerTrustMetrics } from './trust-store/metrics.js';
import { createTrustService } from './trust-store/trust-service.js';

export interface App {
  url: string;
  store: GraphStore;
  close(): Promise<void>;
}

interface OpenedStore {
  store: GraphStore;
  release(): Promise<void>;
}

async function openStore(config: Config, logger: Logger): Promise<OpenedStore> {
  if (config.neo4j) {
    const store = await openNeo4jStore(config.neo4j, logger);
    return { store, release: () => store.close() };
  }
  const dir = config.embedded.dataDir;
  await mkdir(dir, { recursive: true });
  const unlock = await lockDataDir(dir);
  try {
    const { store } = await EmbeddedStore.open({ dataDir: dir, snapshotEveryEvents: config.embedded.snapshotEveryEvents, logger });
    return {
      store,
      release: async () => {
        await store.close();
        await unlock();
      },
    };
  } catch (e) {
    await unlock();
    throw e;
  }
}

/** How often every enrolled agent's ladder is reviewed, so a burnt budget demotes even when nobody asks. */
const TRUST_REVIEW_MS = 60_000;

/** A promotion or demotion as an entry of the control layer's signed audit. */
function ladderAuditEntry(t: LadderTransition): AuditRecordInput {
  const data = { agent: t.agent, service: t.service, from: t.from, to: t.to, at: new Date(t.at).toISOString(), by: t.by, reason: t.reason, checks: t.checks };
  return { type: t.direction === 'promotion' ? 'trust.promotion' : 'trust.demotion', actor: t.by.id, actionId: null, data: JSON.parse(JSON.stringify(data)) as Json };
}

/** The pipeline's ingest for what ctxgraph itself writes: an invalid event there is a bug, so it throws. */
function ingestOrThrow(pipeline: Pipeline): (events: readonly unknown[]) => Promise<void> {
  return async (events) => {
    const r = await pipeline.ingest(events);
    if (!r.ok) throw new Error(`ctxgraph emitted invalid events: ${r.errors.map((e) => `[${e.index}] ${e.path}: ${e.message}`).join('; ')}`);
  };
}

/**
 * Starts ctxgraph: store, pipeline, the control and trust layers, HTTP (GraphQL and /v1/events),
 * Kafka when configured.
 */
export async function startApp(opts: { config: Config; logger: Logger; demo: boolean; handleSignals?: boolean }): Promise<App> {
  const { config, logger } = opts;
  let ready = false;
  const opened = await openStore(config, logger);
  const { store } = opened;
  const metrics = createMetrics(store);
  const pipeline = createPipeline({ store, observer: metrics.observer('http') });
  const ingest = ingestOrThrow(pipeline);

  // The ladder's promotions and demotions go to the control layer's signed audit, and the control
  // layer asks the ladder for its verdicts: the audit sink reaches `control` only once both exist.
  // Predictions and ladder moves are events: the trust store is rebuilt from the graph, so a restart keeps every rung.
  const trustStore = await openEventSourcedTrustStore({ reader: store, ingest: (events) => pipeline.ingest(events) }).catch(async (e: unknown) => {
    await opened.release();
    throw e;
  });
  const trust = createTrustService({
    reader: store,
    store: trustStore,
    ingest: (events) => pipeline.ingest(events),
    logger,
    audit: async (t) => {
      await control.audit.append(ladderAuditEntry(t));
    },
  });
  const control = await openControl({ config: { ...config.control, redis: config.redis }, reader: store, logger, ingest, actionEvents: ingest, trust, keepTrustLines: true }).catch(
    async (e: unknown) => {
      await opened.release();
      throw e;
    },
  );
  registerTrustMetrics(metrics.registry, trust);

  const server: Server = createHttpServer({
    store,
    pipeline,
    metrics,
    ready: () => ready,
    logger,
    maxBodyBytes: config.http.maxBodyBytes,
    control: control.wiring,
    trust: { service: trust },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.http.port, config.http.host, () => resolve());
    });
  } catch (e) {
    // A port in use must not leave the data directory locked behind it.
    await control.close();
    await opened.release();
    throw e;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${config.http.host}:${address.port}`;

  const kafka = config.kafka
    ? createKafkaIngestor({ pipeline: createPipeline({ store, observer: metrics.observer('kafka') }), config: config.kafka, logger })
    : null;
  let reviewing: Promise<void> | null = null;
  const review = setInterval(() => {
    // One review at a time: a slow one is not stacked on.
    reviewing ??= trust
      .reviewAll()
      .then(
        () => undefined,
        (e: unknown) => logger.error({ err: e }, 'trust ladder review failed'),
      )
      .finally(() => {
        reviewing = null;
      });
  }, TRUST_REVIEW_MS);
  review.unref();
  // Executed actions whose target alerts afterwards are marked for revert without waiting for reportHealth.
  const healthWatcher = createHealthWatcher({ control: control.service, logger });
  healthWatcher.start();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      ready = false;
      logger.info('shutting down');
      clearInterval(review);
      // Doors first (no new work), then the layers that write (the audit flushes on close), then the
      // store, which finishes its queue before closing.
      await kafka?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await reviewing;
      await healthWatcher.stop();
      await control.close();
      await opened.release();
      logger.info('stopped');
    })());

  try {
    if (opts.demo) {
      const r = await pipeline.ingest(demoEvents());
      if (!r.ok) throw new Error(`the demo data is invalid: ${JSON.stringify(r.errors.slice(0, 3))}`);
      logger.info({ accepted: r.accepted, duplicates: r.duplicates }, 'demo data loaded');
    }
    await kafka?.start();
  } catch (e) {
    await close();
    throw e;
  }
  ready = true;

  if (opts.handleSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        close().then(
          () => process.exit(0),
          (e: unknown) => {
            logger.error({ err: e }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }
  return { url, store, close };
}

function progressPrinter(): (p: FileProgress) => void {
  let last = 0;
  const started = performance.now();
  return (p) => {
    const now = performance.now();
    if (now - last < 1000 && p.bytesRead < p.bytesTotal) return;
    last = now;
    const pct = p.bytesTotal > 0 ? Math.min(100, (100 * p.bytesRead) / p.bytesTotal).toFixed(1) : '100';
    const rate = Math.round(p.events / Math.max((now - started) / 1000, 0.001));
    process.stderr.write(`${p.file}: ${pct}% · ${p.events} events · ${rate} events/s\n`);
  };
}

/** `ctxgraph ingest`: files into the data directory, or to a running server with --url. */
export async function runIngest(opts: { config: Config; logger: Logger; files: string[]; url: string | undefined; checkOnly: boolean; workers?: number }): Promise<boolean> {
  const onProgress = progressPrinter();
  let opened: OpenedStore | null = null;
  try {
    // --check stores nothing, so it must not create or lock a data directory that a server may hold.
    const sink: EventSink = opts.checkOnly
      ? { store: () => Promise.reject(new Error('--check must not store events')) }
      : opts.url !== undefined
        ? remoteSink(opts.url)
        : createPipeline({ store: (opened = await openStore(opts.config, opts.logger)).store });
    const r = await ingestFiles(opts.files, sink, { checkOnly: opts.checkOnly, onProgress, ...(opts.workers !== undefined ? { workers: opts.workers } : {}) });
    if (r.ok) {
      console.log(opts.checkOnly ? `${opts.files.length} file(s) valid` : `ingested: ${r.accepted} accepted, ${r.duplicates} duplicates`);
      return true;
    }
    for (const e of r.errors.slice(0, 50)) {
      const where = e.line !== null ? `${e.file}:${e.line}` : e.index !== null ? `${e.file}[${e.index}]` : e.file;
      console.error(`${where}: ${e.path}: ${e.message}${e.id ? ` (event ${e.id})` : ''}`);
    }
    if (r.errors.length > 50) console.error(`... and ${r.errors.length - 50} more`);
    if (!opts.checkOnly) console.error(`stopped at the first invalid batch; stored before it: ${r.accepted} accepted, ${r.duplicates} duplicates. Fix and re-run: stored events count as duplicates.`);
    return false;
  } finally {
    await opened?.release();
  }
}
