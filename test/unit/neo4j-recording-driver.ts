/**
 * A stand-in for neo4j-driver that records every query and its parameters, and answers with
 * what `respond` returns. Lets the Neo4j adapter be checked, query by query, without a server.
 */
import type { DriverLike, RecordLike, Tx } from '../../src/store/neo4j/driver.js';

export interface Sent {
  mode: 'READ' | 'WRITE';
  query: string;
  params: Record<string, unknown>;
}

export type Responder = (query: string, params: Record<string, unknown>) => Record<string, unknown>[];

export function recordingDriver(respond: Responder = () => []): { driver: DriverLike; sent: Sent[] } {
  const sent: Sent[] = [];
  const tx = (mode: Sent['mode']): Tx => ({
    run(query, params) {
      sent.push({ mode, query, params: structuredClone(params) });
      const records: RecordLike[] = respond(query, params).map((o) => ({ toObject: () => o }));
      return Promise.resolve({ records });
    },
  });
  const driver: DriverLike = {
    session: () => ({
      executeRead: (work) => work(tx('READ')),
      executeWrite: (work) => work(tx('WRITE')),
      close: () => Promise.resolve(),
    }),
    verifyConnectivity: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return { driver, sent };
}
