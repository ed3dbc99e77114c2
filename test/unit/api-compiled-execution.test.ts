/**
 * GraphQL queries run compiled (graphql-jit). The answers must be exactly graphql-js's: the demo
 * production is asked every kind of read question both ways and the JSON compared byte for byte.
 */
import { execute, parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_INCIDENTS, DEMO_NOW, demoEvents } from '../../bench/demo.js';
import { createGraphQL } from '../../src/api/graphql.js';
import { schema } from '../../src/api/schema.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { toMillis } from '../../src/model/time.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { postGraphQL } from './api-harness.js';

const now = toMillis(DEMO_NOW);
const QUERIES: [string, string, Record<string, unknown>][] = [
  ['graphAt', 'query ($at: DateTime!) { graphAt(at: $at) { services { id name kind team tier zone tags since slo { objective windowDays } } dependencies { from to critical } } }', { at: DEMO_NOW }],
  [
    'service',
    `query ($id: ID!, $at: DateTime) { service(id: $id, at: $at) {
      id service { id tier } running { version deploy } config { key value change since }
      activeAlerts { id signal severity firedAt onsetObserved } dependsOn { to } dependedOnBy { from } } }`,
    { id: 'checkout', at: DEMO_NOW },
  ],
  ['neighbourhood', 'query ($s: ID!, $at: DateTime) { neighbourhood(service: $s, depth: 3, direction: BOTH, at: $at) { center services { depth service { id zone } } dependencies { from to critical } } }', { s: 'checkout', at: DEMO_NOW }],
  ['changes', 'query ($from: DateTime!, $to: DateTime!) { changes(from: $from, to: $to) { at recordedAt type kind entity ref { kind id } services summary eventId } }', { from: '2026-03-02T00:00:00Z', to: DEMO_NOW }],
  ['incidents', '{ incidents { id } }', {}],
  [
    'rootCause',
    'query ($incident: ID) { rootCause(incident: $incident) { incident at symptomStart candidates { rank cause { kind id } service confidence chain { kind id } evidence } } }',
    { incident: DEMO_INCIDENTS.inventory },
  ],
  ['unknown service', '{ service(id: "no-such-service") { id } }', {}],
];

describe('compiled GraphQL execution', () => {
  let store: EmbeddedStore;
  let yoga: ReturnType<typeof createGraphQL>;

  beforeAll(async () => {
    store = (await EmbeddedStore.open({ dataDir: null })).store;
    const r = await createPipeline({ store, now: () => now }).ingest(demoEvents());
    if (!r.ok) throw new Error(JSON.stringify(r.errors.slice(0, 3)));
    yoga = createGraphQL({ reader: store, logger: silentLogger, now: () => now });
  });

  it.each(QUERIES)('answers %s exactly as graphql-js does', async (_name, query, variables) => {
    const compiled = await postGraphQL(yoga, query, variables);
    const reference = await execute({ schema, document: parse(query), variableValues: variables, contextValue: { reader: store, now: () => now } });
    expect(compiled.errors).toBeUndefined();
    expect(JSON.stringify(compiled.data)).toBe(JSON.stringify(reference.data));
    // Twice: the second answer comes from the compiled query held in the cache.
    expect(JSON.stringify((await postGraphQL(yoga, query, variables)).data)).toBe(JSON.stringify(reference.data));
  });
});
