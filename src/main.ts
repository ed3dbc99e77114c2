/**
 * Wiring and lifecycle: build the store, the pipeline, the doors and the API; stop them in order
 * on SIGTERM so that nothing acknowledged is lost.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { demoEvents } from '../bench/demo.js';
import { createKafkaIngestor } from '../ingestors/kafka.js';
import { createHttpServer } from './api/server.js';
import type { Config } from './config.js';
import { type EventSink, type FileProgress, ingestFiles } from './ingest/file.js';
import { createPipeline } from './ingest/pipeline.js';
import { remoteSink } from './ingest/remote.js';
import type { Logger } from './logger.js';
import { createMetrics } from './ops/metrics.js';
import type { GraphStore } from './store/graph-store.js';
import { lockDataDir } from './store/memory/dir-lock.js';
import { EmbeddedStore } from './store/memory/embedded-store.js';
import { openNeo4jStore } from './store/neo4j/neo4j-store.js';

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

/** Starts ctxgraph: store, pipeline, HTTP (GraphQL and /v1/events), Kafka when configured. */
export async function startApp(opts: { config: Config; logger: Logger; demo: boolean; handleSignals?: boolean }): Promise<App> {
  const { config, logger } = opts;
  let ready = false;
  const opened = await openStore(config, logger);
  const { store } = opened;
  const metrics = createMetrics(store);
  const pipeline = createPipeline({ store, observer: metrics.observer('http') });
  const server: Server = createHttpServer({ store, pipeline, metrics, ready: () => ready, logger, maxBodyBytes: config.http.maxBodyBytes });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.http.port, config.http.host, () => resolve());
    });
  } catch (e) {
    // A port in use must not leave the data directory locked behind it.
    await opened.release();
    throw e;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${config.http.host}:${address.port}`;

  const kafka = config.kafka
    ? createKafkaIngestor({ pipeline: createPipeline({ store, observer: metrics.observer('kafka') }), config: config.kafka, logger })
    : null;
  if (opts.demo) {
    const r = await pipeline.ingest(demoEvents());
    if (!r.ok) throw new Error(`the demo data is invalid: ${JSON.stringify(r.errors.slice(0, 3))}`);
    logger.info({ accepted: r.accepted, duplicates: r.duplicates }, 'demo data loaded');
  }
  await kafka?.start();
  ready = true;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      ready = false;
      logger.info('shutting down');
      // Doors first (no new work), then the store, which finishes its queue before closing.
      await kafka?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await opened.release();
      logger.info('stopped');
    })());
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
export async function runIngest(opts: { config: Config; logger: Logger; files: string[]; url: string | undefined; checkOnly: boolean }): Promise<boolean> {
  const onProgress = progressPrinter();
  let opened: OpenedStore | null = null;
  try {
    // --check stores nothing, so it must not create or lock a data directory that a server may hold.
    const sink: EventSink = opts.checkOnly
      ? { store: () => Promise.reject(new Error('--check must not store events')) }
      : opts.url !== undefined
        ? remoteSink(opts.url)
        : createPipeline({ store: (opened = await openStore(opts.config, opts.logger)).store });
    const r = await ingestFiles(opts.files, sink, { checkOnly: opts.checkOnly, onProgress });
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
