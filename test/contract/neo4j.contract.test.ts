/**
 * The shared GraphStore contract against Neo4j 5: the server at NEO4J_URI when it is set (its
 * database is emptied before each scenario, so give it a scratch one), otherwise a throwaway
 * container through testcontainers. With neither, the suite skips and says how to run it.
 */
import { afterAll, describe, it } from 'vitest';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import type { Neo4jConfig } from '../../src/store/neo4j/config.js';
import { Neo4jStore } from '../../src/store/neo4j/neo4j-store.js';
import { containerRuntime } from '../integration/container-runtime.js';
import { graphStoreContract } from './graph-store.contract.js';

const IMAGE = 'neo4j:5.26';
const PASSWORD = 'ctxgraph-test';
const HOW = 'set NEO4J_URI (with NEO4J_USER, NEO4J_PASSWORD; its database is wiped) or run where Docker is available; see docs/neo4j.md';

let container: Promise<StartedTestContainer> | null = null;

async function fromContainer(): Promise<Neo4jConfig> {
  container ??= new GenericContainer(IMAGE)
    .withEnvironment({ NEO4J_AUTH: `neo4j/${PASSWORD}`, NEO4J_PLUGINS: '[]' })
    .withExposedPorts(7687)
    .withWaitStrategy(Wait.forLogMessage(/Started\./))
    .withStartupTimeout(110_000)
    .start();
  const c = await container;
  return { uri: `bolt://${c.getHost()}:${c.getMappedPort(7687)}`, user: 'neo4j', password: PASSWORD };
}

async function target(): Promise<{ config: () => Promise<Neo4jConfig>; where: string } | { skip: string }> {
  const uri = process.env.NEO4J_URI;
  if (uri) {
    const config: Neo4jConfig = {
      uri,
      user: process.env.NEO4J_USER ?? 'neo4j',
      password: process.env.NEO4J_PASSWORD ?? '',
      ...(process.env.NEO4J_DATABASE ? { database: process.env.NEO4J_DATABASE } : {}),
    };
    return { config: () => Promise.resolve(config), where: uri };
  }
  const runtime = await containerRuntime();
  if (runtime.available) return { config: fromContainer, where: `${IMAGE} in ${runtime.reason}` };
  return { skip: `no NEO4J_URI and no container runtime (${runtime.reason}): ${HOW}` };
}

const found = await target();

if ('skip' in found) {
  console.warn(`skipping the Neo4j contract suite: ${found.skip}`);
  describe('GraphStore contract: neo4j', () => {
    it.skip(`skipped: ${found.skip}`, () => undefined);
  });
} else {
  graphStoreContract(`neo4j (${found.where})`, async () => {
    const store = await Neo4jStore.open({ config: await found.config() });
    await store.reset();
    return { store, close: () => store.close() };
  });
  afterAll(async () => {
    if (container) await (await container).stop();
  }, 60_000);
}
