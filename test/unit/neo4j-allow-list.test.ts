import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CloudEvent, type CloudEventInput } from '../../schema/events.js';
import { applyEvent } from '../../src/model/apply.js';
import { eventKey } from '../../src/model/facts.js';
import { reachSlots, TEMPLATES } from '../../src/store/neo4j/allow-list.js';
import { Neo4jStore } from '../../src/store/neo4j/neo4j-store.js';
import { instantiate, loadQueries, QUERY_NAMES } from '../../src/store/neo4j/queries.js';
import { recordingDriver } from './neo4j-recording-driver.js';

const config = { uri: 'bolt://recording:7687', user: 'neo4j', password: 'x' };
/** Every input carries this; it must never show up in query text. */
const MARK = 'ZQ';
let known: Set<string>;

beforeAll(async () => {
  const book = await loadQueries();
  known = new Set();
  for (const name of QUERY_NAMES) for (const slots of TEMPLATES[name] ?? [undefined]) known.add(book.text(name, slots));
  for (const m of book.migrations) for (const s of m.statements) known.add(s);
});

// Ids full of Cypher syntax: quotes, braces, backticks, comments, a label and a clause.
const hostile = fc
  .string({ minLength: 0, maxLength: 12, unit: fc.constantFrom('a', "'", '"', '`', '}', '{', ')', '//', '$', ':Service', ' DETACH DELETE n ', '\\', '\u001f') })
  .map((s) => `${MARK}${s}`);

describe('no input reaches query text', () => {
  it('sends only allow-listed query texts, whatever ids, times, depths and directions it is given', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          a: hostile,
          b: hostile,
          source: hostile,
          at: fc.integer({ min: 0, max: 4_000_000_000_000 }),
          depth: fc.integer({ min: 0, max: 30 }),
          direction: fc.constantFrom('out' as const, 'in' as const, 'both' as const),
        }),
        async ({ a, b, source, at, depth, direction }) => {
          const { driver, sent } = recordingDriver((query, params) => {
            if (query.includes('MERGE (ev:Event')) return (params.events as { key: string }[]).map((e) => ({ key: e.key, created: true }));
            if (query.includes('AS dependencies')) return [{ events: 0, facts: 0, services: 0, dependencies: 0 }];
            return [];
          });
          const store = await Neo4jStore.open({ config, driver });
          const time = new Date(at).toISOString();
          const events: CloudEventInput[] = [
            { specversion: '1.0', id: a, source, type: 'service.upserted', time, data: { service: a, team: b } },
            { specversion: '1.0', id: b, source, type: 'dependency.upserted', time, data: { from: a, to: `${b}x` } },
            { specversion: '1.0', id: `${a}d`, source, type: 'deploy.started', time, data: { deploy: b, service: a, version: b } },
            { specversion: '1.0', id: `${a}c`, source, type: 'config.changed', time, data: { change: b, service: a, key: b, value: a, dependency: b } },
            { specversion: '1.0', id: `${a}i`, source, type: 'incident.resolved', time, data: { incident: a, rootCause: { kind: 'service', id: b }, chain: [{ kind: 'service', id: a }] } },
          ];
          await store.append(
            events.map((e) => {
              const event = CloudEvent.parse(e);
              return { key: eventKey(event.source, event.id), event, facts: applyEvent(event, at) };
            }),
          );
          const t = { at, knownAt: at };
          await store.graphAt(t);
          await store.service(a, t);
          await store.neighbourhood(a, t, depth, direction);
          await store.changes(at - 1, at, at, b);
          await store.changes(at - 1, at, at);
          await store.changesRecordedAfter(at - 1);
          await store.deploy(a, t);
          await store.deploysBetween([a, b], at - 1, t);
          await store.configChangesBetween([a], at - 1, t);
          await store.alertsBetween([b], at - 1, t);
          await store.incident(a, t);
          await store.incidents(t);
          await store.causalLinks(t);
          await store.stats();
          for (const s of sent) {
            expect(known.has(s.query), s.query).toBe(true);
            expect(s.query).not.toContain(MARK);
          }
          expect(JSON.stringify(sent.map((s) => s.params))).toContain(MARK);
        },
      ),
      { seed: 7, numRuns: 60 },
    );
  });

  it('refuses template slots that are not on the allow-list', () => {
    expect(() => instantiate('write-facts', 'MERGE (n:{{LABEL}})', { LABEL: 'Service) DETACH DELETE (n' })).toThrow(/not allowed/);
    expect(() => instantiate('write-facts', 'MERGE (n:{{LABEL}})', undefined)).toThrow(/not allowed/);
    expect(() => instantiate('read-stats', 'RETURN {{X}}', undefined)).toThrow(/not a template/);
    expect(() => reachSlots('out', 9)).toThrow(/1\.\.8/);
    expect(() => reachSlots('out', 1.5)).toThrow(/whole number/);
  });
});
