/**
 * The Neo4j adapter of `GraphStore`. Appends run as one managed write transaction per batch
 * (write-batch.ts); each slice read runs one managed read transaction whose Cypher returns the
 * facts of the entities the slice touches, found through the bitemporal rows where time decides
 * what is touched, and the answer is derived from those facts by the same slice code the
 * embedded store runs. See docs/neo4j.md for the graph model.
 */
import { randomUUID } from 'node:crypto';
import { type Logger, silentLogger } from '../../logger.js';
import type { Fact } from '../../model/facts.js';
import type { Instant } from '../../model/time.js';
import type {
  AppendRecord,
  AppendResult,
  Change,
  Direction,
  GraphSnapshot,
  GraphStore,
  Neighbourhood,
  ServiceDetail,
  StoreStats,
} from '../graph-store.js';
import type { Slices } from '../memory/slices.js';
import type { AlertState, CausalLinkState, ConfigChangeState, DeployState, IncidentState } from '../../model/views.js';
import { LABEL_OF_KIND, LINKS, MAX_HOPS, reachSlots, type Slots } from './allow-list.js';
import type { Neo4jConfig } from './config.js';
import { type DriverLike, openDriver, type Tx } from './driver.js';
import { mapDriverError } from './errors.js';
import { factOf, slicesOf, toNumber } from './fact-rows.js';
import { applyMigrations, type MigrationReport } from './migrations.js';
import { loadQueries, type QueryBook, type QueryName } from './queries.js';
import { writeBatch } from './write-batch.js';

export interface Neo4jStoreOptions {
  config: Neo4jConfig;
  logger?: Logger;
  /** Replaces the real driver (tests record what the adapter sends). */
  driver?: DriverLike;
  /** Where the `.cypher` files are; found above this module by default. */
  cypherDir?: string;
  /** Identifies one append call, to tell its own new events from repeats. */
  batchId?: () => string;
  /** Skip migrations (the recording tests; a read-only replica). */
  migrate?: boolean;
}

export class Neo4jStore implements GraphStore {
  private constructor(
    private readonly driver: DriverLike,
    private readonly q: QueryBook,
    private readonly batchId: () => string,
    readonly migrations: MigrationReport,
  ) {}

  /**
   * Connects, applies pending migrations and returns the store.
   *
   * @example
   * const store = await Neo4jStore.open({ config: { uri: 'neo4j://db:7687', user: 'neo4j', password } });
   */
  static async open(options: Neo4jStoreOptions): Promise<Neo4jStore> {
    const logger = options.logger ?? silentLogger;
    const q = await loadQueries(options.cypherDir);
    const driver = options.driver ?? openDriver(options.config);
    try {
      await driver.verifyConnectivity();
      const migrations = options.migrate === false ? { applied: [], skipped: [] } : await applyMigrations(driver, q, logger);
      logger.info({ uri: options.config.uri, database: options.config.database ?? '(default)' }, 'neo4j store opened');
      return new Neo4jStore(driver, q, options.batchId ?? randomUUID, migrations);
    } catch (e) {
      await driver.close().catch(() => undefined);
      throw mapDriverError(e);
    }
  }

  private async run<T>(mode: 'READ' | 'WRITE', work: (tx: Tx) => Promise<T>): Promise<T> {
    const session = this.driver.session(mode);
    try {
      return await (mode === 'READ' ? session.executeRead(work) : session.executeWrite(work));
    } catch (e) {
      throw mapDriverError(e);
    } finally {
      await session.close();
    }
  }

  private async facts(tx: Tx, name: QueryName, params: Record<string, unknown>, slots?: Slots): Promise<Fact[]> {
    return (await tx.run(this.q.text(name, slots), params)).records.map(factOf);
  }

  /** One read transaction: fetch facts with one query, answer with the shared slice code. */
  private slice<T>(name: QueryName, params: Record<string, unknown>, answer: (s: Slices) => T, slots?: Slots): Promise<T> {
    return this.run('READ', async (tx) => answer(slicesOf(await this.facts(tx, name, params, slots)).slices));
  }

  async append(records: readonly AppendRecord[]): Promise<AppendResult> {
    const seen = new Set<string>();
    const firsts = records.filter((r) => !seen.has(r.key) && seen.add(r.key));
    const created =
      firsts.length === 0 ? new Set<string>() : await this.run('WRITE', (tx) => writeBatch(tx, this.q, firsts, this.batchId()));
    const counted = new Set<string>();
    const outcomes = records.map((r) => (created.has(r.key) && !counted.has(r.key) && counted.add(r.key) ? 'accepted' : 'duplicate'));
    const accepted = outcomes.filter((o) => o === 'accepted').length;
    return { outcomes, accepted, duplicates: records.length - accepted };
  }

  graphAt(t: Instant): Promise<GraphSnapshot> {
    return this.slice('read-graph-at', { ...t }, (s) => s.graphAt(t));
  }

  service(id: string, t: Instant): Promise<ServiceDetail | null> {
    return this.slice('read-service-detail', { id, ...t }, (s) => s.serviceDetail(id, t));
  }

  neighbourhood(id: string, t: Instant, depth: number, direction: Direction): Promise<Neighbourhood | null> {
    return this.run('READ', async (tx) => {
      const reached = new Set([id]);
      let frontier = [id];
      // Each query expands at most MAX_HOPS; a deeper read goes on from the layer it reached last.
      for (let base = 0; frontier.length > 0 && base + 1 <= depth; ) {
        const hops = Math.min(MAX_HOPS, Math.floor(depth - base));
        const r = await tx.run(this.q.text('read-reach', reachSlots(direction, hops)), { frontier, ...t });
        const next: string[] = [];
        for (const rec of r.records) {
          const row = rec.toObject();
          const reachedId = String(row.id);
          if (reached.has(reachedId)) continue;
          reached.add(reachedId);
          if (toNumber(row.hops) === hops) next.push(reachedId);
        }
        frontier = next;
        base += hops;
      }
      const facts = await this.facts(tx, 'read-services-facts-at', { ids: [...reached], ...t });
      return slicesOf(facts).slices.neighbourhood(id, t, depth, direction);
    });
  }

  changes(from: number, to: number, knownAt: number, service?: string): Promise<Change[]> {
    const params = { from, to, knownAt };
    return service === undefined
      ? this.slice('read-changes', params, (s) => s.changes(from, to, knownAt))
      : this.slice('read-changes-of-service', { ...params, service }, (s) => s.changes(from, to, knownAt, service));
  }

  changesRecordedAfter(after: number): Promise<Change[]> {
    return this.slice('read-changes-recorded', { after }, (s) => s.changesRecordedAfter(after));
  }

  deploy(id: string, t: Instant): Promise<DeployState | null> {
    return this.slice('read-entity-facts-at', { ids: [id], ...t }, (s) => s.deploy(id, t), { LABEL: LABEL_OF_KIND.deploy });
  }

  deploysBetween(services: readonly string[], from: number, t: Instant): Promise<DeployState[]> {
    if (services.length === 0) return Promise.resolve([]);
    return this.slice('read-linked-between', { services, from, ...t }, (s) => s.deploysBetween(services, from, t), LINKS.deploy);
  }

  configChangesBetween(services: readonly string[], from: number, t: Instant): Promise<ConfigChangeState[]> {
    if (services.length === 0) return Promise.resolve([]);
    return this.slice('read-linked-between', { services, from, ...t }, (s) => s.configChangesBetween(services, from, t), LINKS.config);
  }

  alertsBetween(services: readonly string[], from: number, t: Instant): Promise<AlertState[]> {
    if (services.length === 0) return Promise.resolve([]);
    return this.slice('read-linked-between', { services, from, ...t }, (s) => s.alertsBetween(services, from, t), LINKS.alert);
  }

  incident(id: string, t: Instant): Promise<IncidentState | null> {
    return this.slice('read-entity-facts-at', { ids: [id], ...t }, (s) => s.incident(id, t), { LABEL: LABEL_OF_KIND.incident });
  }

  incidents(t: Instant): Promise<IncidentState[]> {
    return this.slice('read-kind-facts-at', { ...t }, (s) => s.incidents(t), { LABEL: LABEL_OF_KIND.incident });
  }

  causalLinks(t: Instant): Promise<CausalLinkState[]> {
    return this.slice('read-kind-facts-at', { ...t }, (s) => s.causalLinks(t), { LABEL: LABEL_OF_KIND.causal });
  }

  stats(): Promise<StoreStats> {
    return this.run('READ', async (tx) => {
      const r = (await tx.run(this.q.text('read-stats'), {})).records[0]?.toObject() ?? {};
      const last = (await tx.run(this.q.text('read-last-recorded'), {})).records[0]?.toObject();
      return {
        events: toNumber(r.events),
        facts: toNumber(r.facts),
        services: toNumber(r.services),
        dependencies: toNumber(r.dependencies),
        lastRecordedAt: last ? toNumber(last.lastRecordedAt) : 0,
      };
    });
  }

  /** Deletes everything in the database: for tests and benchmarks against a scratch database. */
  async reset(): Promise<void> {
    await this.run('WRITE', async (tx) => void (await tx.run(this.q.text('reset'), {})));
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}

/**
 * Opens the Neo4j store from the typed config (the entry point `main.ts` uses).
 *
 * @example
 * const store = await openNeo4jStore(config.neo4j, logger);
 */
export const openNeo4jStore = (config: Neo4jConfig, logger?: Logger): Promise<Neo4jStore> =>
  Neo4jStore.open({ config, ...(logger ? { logger } : {}) });
