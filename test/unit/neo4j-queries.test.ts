import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CloudEventInput } from '../../schema/events.js';
import { CloudEvent } from '../../schema/events.js';
import { applyEvent } from '../../src/model/apply.js';
import { eventKey } from '../../src/model/facts.js';
import type { AppendRecord } from '../../src/store/graph-store.js';
import { TEMPLATES } from '../../src/store/neo4j/allow-list.js';
import { Neo4jStore } from '../../src/store/neo4j/neo4j-store.js';
import { loadQueries, QUERY_NAMES, type QueryBook } from '../../src/store/neo4j/queries.js';
import { recordingDriver, type Responder, type Sent } from './neo4j-recording-driver.js';

const config = { uri: 'bolt://recording:7687', user: 'neo4j', password: 'x' };
const T0 = Date.parse('2026-05-01T12:00:00Z');

function record(e: CloudEventInput, recordedAt: number): AppendRecord {
  const event = CloudEvent.parse(e);
  return { key: eventKey(event.source, event.id), event, facts: applyEvent(event, recordedAt) };
}

const ev = (id: string, type: string, time: string, data: object): CloudEventInput =>
  ({ specversion: '1.0', id, source: 'tck', type, time, data }) as CloudEventInput;

let book: QueryBook;
/** Every query text the adapter may send, named by file and slots. */
let names: Map<string, string>;

beforeAll(async () => {
  book = await loadQueries();
  names = new Map();
  for (const name of QUERY_NAMES) {
    const variants = TEMPLATES[name];
    if (!variants) names.set(book.text(name), name);
    else for (const slots of variants) names.set(book.text(name, slots), `${name} ${JSON.stringify(slots)}`);
  }
  for (const m of book.migrations) m.statements.forEach((s, i) => names.set(s, `migrations/${m.name} #${i + 1}`));
});

/** A fake database that keeps the facts written, enough for the write path to compute rows. */
function fakeDatabase(): Responder {
  const facts: Record<string, unknown>[] = [];
  const events = new Set<string>();
  return (query, params) => {
    const name = names.get(query)?.split(' ')[0];
    if (name === 'write-events') {
      return (params.events as { key: string }[]).map((e) => {
        const created = !events.has(e.key);
        events.add(e.key);
        return { key: e.key, created };
      });
    }
    if (name === 'write-facts') facts.push(...(params.facts as Record<string, unknown>[]));
    if (name === 'read-entity-facts') return facts.filter((f) => (params.ids as string[]).includes(f.entity as string));
    if (name === 'read-dependency-facts') {
      const ids = params.ids as string[];
      const ends = new Set(ids.flatMap((id) => id.split('\u001f')));
      return facts.filter((f) => (f.kind === 'dependency' && ids.includes(f.entity as string)) || (f.kind === 'service' && ends.has(f.entity as string)));
    }
    if (name === 'read-stats') return [{ events: events.size, facts: facts.length, services: 0, dependencies: 0 }];
    return [];
  };
}

/** What the adapter sent, with each query named by its file and a digest of its text. */
const transcript = (sent: readonly Sent[]) =>
  sent.map((s) => ({
    mode: s.mode,
    query: names.get(s.query) ?? `UNKNOWN QUERY TEXT: ${s.query}`,
    cypher: createHash('sha256').update(s.query).digest('hex').slice(0, 12),
    // The migration record's timestamp is the wall clock; everything else is fixed by the test.
    params: 'appliedAt' in s.params ? { ...s.params, appliedAt: '<now>' } : s.params,
  }));

describe('Neo4j adapter: the Cypher and parameters each method sends (TCK-style)', () => {
  it('applies the migrations in order at start-up, each statement on its own', async () => {
    const { driver, sent } = recordingDriver();
    await Neo4jStore.open({ config, driver });
    expect(transcript(sent)).toMatchSnapshot();
  });

  it('appends a batch in one write transaction and derives the versioned rows', async () => {
    const { driver, sent } = recordingDriver(fakeDatabase());
    const store = await Neo4jStore.open({ config, driver, migrate: false, batchId: () => 'batch-1' });
    const batch = [
      record(ev('1', 'service.upserted', '2026-05-01T10:00:00Z', { service: 'cart', team: 'shop' }), T0),
      record(ev('2', 'service.upserted', '2026-05-01T10:00:00Z', { service: 'db' }), T0),
      record(ev('3', 'dependency.upserted', '2026-05-01T10:05:00Z', { from: 'cart', to: 'db', critical: true }), T0),
      record(ev('4', 'deploy.started', '2026-05-01T11:00:00Z', { deploy: 'd1', service: 'cart', version: '2.0' }), T0),
      record(ev('4', 'deploy.started', '2026-05-01T11:00:00Z', { deploy: 'd1', service: 'cart', version: '2.0' }), T0),
    ];
    const result = await store.append(batch);
    expect(result).toEqual({ outcomes: ['accepted', 'accepted', 'accepted', 'accepted', 'duplicate'], accepted: 4, duplicates: 1 });
    expect(new Set(sent.map((s) => s.mode))).toEqual(new Set(['WRITE']));
    expect(transcript(sent)).toMatchSnapshot();

    sent.length = 0;
    const again = await store.append(batch.slice(0, 2));
    expect(again).toEqual({ outcomes: ['duplicate', 'duplicate'], accepted: 0, duplicates: 2 });
    expect(transcript(sent).map((s) => s.query)).toEqual(['write-events']);
  });

  it('reads each slice with its own query and parameters', async () => {
    const { driver, sent } = recordingDriver();
    const store = await Neo4jStore.open({ config, driver, migrate: false });
    const t = { at: T0, knownAt: T0 + 1000 };
    await store.graphAt(t);
    await store.service('cart', t);
    await store.neighbourhood('cart', t, 2, 'in');
    await store.changes(T0 - 3_600_000, T0, T0 + 1000);
    await store.changes(T0 - 3_600_000, T0, T0 + 1000, 'cart');
    await store.changesRecordedAfter(T0 - 15_000);
    await store.deploy('d1', t);
    await store.deploysBetween(['cart', 'db'], T0 - 3_600_000, t);
    await store.configChangesBetween(['cart'], T0 - 3_600_000, t);
    await store.alertsBetween(['cart'], T0 - 3_600_000, t);
    await store.incident('inc-1', t);
    await store.incidents(t);
    await store.causalLinks(t);
    expect(new Set(sent.map((s) => s.mode))).toEqual(new Set(['READ']));
    expect(transcript(sent)).toMatchSnapshot();
  });

  it('expands a deep neighbourhood layer by layer, from the services reached last', async () => {
    const chain = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'];
    const { driver, sent } = recordingDriver((query, params) => {
      if (!names.get(query)?.startsWith('read-reach')) return [];
      const hops = Number(/\{1,(\d+)\}/.exec(query)?.[1]);
      const start = chain.indexOf((params.frontier as string[])[0] as string);
      return chain.slice(start + 1, start + 1 + hops).map((id, i) => ({ id, hops: i + 1 }));
    });
    const store = await Neo4jStore.open({ config, driver, migrate: false });
    await store.neighbourhood('a', { at: T0, knownAt: T0 }, 10, 'out');
    const reach = transcript(sent).filter((s) => s.query.startsWith('read-reach'));
    expect(reach.map((s) => [s.query, s.params.frontier])).toEqual([
      ['read-reach {"IN":"","OUT":">","HOPS":"8"}', ['a']],
      ['read-reach {"IN":"","OUT":">","HOPS":"2"}', ['i']],
    ]);
    expect(transcript(sent).at(-1)?.params.ids).toEqual(chain);
  });
});
