/**
 * The part of neo4j-driver the adapter uses, as small interfaces: the real driver is wrapped to
 * fit them, and tests put a recording fake in its place.
 */
import neo4j, { type Driver } from 'neo4j-driver';
import type { Neo4jConfig } from './config.js';

export interface RecordLike {
  toObject(): Record<string, unknown>;
}

/** A managed transaction: the driver may call the work function again after a transient failure. */
export interface Tx {
  run(query: string, parameters: Record<string, unknown>): PromiseLike<{ records: readonly RecordLike[] }>;
}

export interface SessionLike {
  executeRead<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  executeWrite<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DriverLike {
  session(mode: 'READ' | 'WRITE'): SessionLike;
  verifyConnectivity(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a driver for `neo4j://` (routing) or `bolt://` URIs. Sessions share the driver's bookmark
 * manager, so a read that follows an acknowledged append sees it, on any cluster member.
 */
export function openDriver(config: Neo4jConfig): DriverLike {
  const driver: Driver = neo4j.driver(config.uri, neo4j.auth.basic(config.user, config.password), {
    disableLosslessIntegers: true,
    userAgent: 'ctxgraph',
    ...(config.maxConnectionPoolSize !== undefined ? { maxConnectionPoolSize: config.maxConnectionPoolSize } : {}),
    ...(config.maxTransactionRetryTimeMs !== undefined ? { maxTransactionRetryTime: config.maxTransactionRetryTimeMs } : {}),
    ...(config.connectionTimeoutMs !== undefined ? { connectionTimeout: config.connectionTimeoutMs } : {}),
  });
  const txConfig = config.transactionTimeoutMs !== undefined ? { timeout: config.transactionTimeoutMs } : {};
  return {
    session(mode) {
      const s = driver.session({
        defaultAccessMode: mode === 'READ' ? neo4j.session.READ : neo4j.session.WRITE,
        bookmarkManager: driver.executeQueryBookmarkManager,
        ...(config.database !== undefined ? { database: config.database } : {}),
      });
      return {
        executeRead: (work) => s.executeRead((tx) => work(tx), txConfig),
        executeWrite: (work) => s.executeWrite((tx) => work(tx), txConfig),
        close: () => s.close(),
      };
    },
    async verifyConnectivity() {
      await driver.verifyConnectivity(config.database !== undefined ? { database: config.database } : {});
    },
    close: () => driver.close(),
  };
}
