/**
 * `changesRecordedAfter` over a slice numbered by valid time, as the Neo4j adapter builds it from
 * the rows it read: the same answer as the embedded store, whose facts are numbered as recorded.
 */
import { expect, it } from 'vitest';
import { CloudEvent } from '../../schema/events.js';
import { applyEvent } from '../../src/model/apply.js';
import { eventKey, type Fact } from '../../src/model/facts.js';
import { slicesOf } from '../../src/store/neo4j/fact-rows.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';

const day = (hhmm: string): string => `2026-05-01T${hhmm}:00Z`;

it('answers what was recorded after an instant the same way over a slice read from rows', async () => {
  const ev = createEvents();
  // Recorded in this order, an hour apart; valid times out of that order (late and early events).
  const batches = [
    [ev.serviceUpserted(day('09:00'), { service: 'web' }), ev.serviceUpserted(day('09:00'), { service: 'db' })],
    [ev.deployStarted(day('10:00'), { deploy: 'd1', service: 'db', version: 'v2' })],
    [ev.alertFired(day('07:00'), { alert: 'a1', service: 'db', signal: 'errors' }), ev.dependencyUpserted(day('12:00'), { from: 'web', to: 'db' })],
    [ev.deployFinished(day('10:30'), { deploy: 'd1', status: 'succeeded' }), ev.configChanged(day('08:00'), { change: 'c1', service: 'web', key: 'k', value: 1, services: ['db'] })],
  ];
  const recordedAt = (i: number): number => Date.parse(day(`1${3 + i}:00`));
  const { store } = await EmbeddedStore.open({ dataDir: null });
  const facts: Fact[] = [];
  for (const [i, batch] of batches.entries()) {
    const records = batch.map((e) => {
      const event = CloudEvent.parse(e);
      return { key: eventKey(event.source, event.id), event, facts: applyEvent(event, recordedAt(i)) };
    });
    await store.append(records);
    facts.push(...records.flatMap((r) => r.facts));
  }
  const rows = slicesOf(facts).slices;
  const list = (cs: readonly { type: string; entity: string; recordedAt: number; services: string[] }[]) => cs.map((c) => `${c.type} ${c.entity} @${c.recordedAt} ${c.services.join(',')}`);
  for (const after of [0, recordedAt(0), recordedAt(1) - 1, recordedAt(2), recordedAt(3)]) {
    expect(list(rows.changesRecordedAfter(after))).toEqual(list(await store.changesRecordedAfter(after)));
  }
  // And what that is: the late alert and the finish (named by its deploy's service) are there.
  expect(list(await store.changesRecordedAfter(recordedAt(1)))).toEqual([
    `alert.fired a1 @${recordedAt(2)} db`,
    `dependency.upserted web\u001fdb @${recordedAt(2)} web,db`,
    // One batch: by valid time (08:00, then 10:30).
    `config.changed c1 @${recordedAt(3)} web,db`,
    `deploy.finished d1 @${recordedAt(3)} db`,
  ]);
});

it('finds what was recorded after an instant though facts were numbered out of recording order', async () => {
  // Batches stamped on worker threads can be indexed after a later-stamped one: here 14:00's after 15:00's.
  const ev = createEvents();
  const { store } = await EmbeddedStore.open({ dataDir: null });
  const record = (e: ReturnType<typeof ev.serviceUpserted>, at: string) => {
    const event = CloudEvent.parse(e);
    return { key: eventKey(event.source, event.id), event, facts: applyEvent(event, Date.parse(day(at))) };
  };
  await store.append([record(ev.serviceUpserted(day('09:00'), { service: 'late-stamped' }), '15:00')]);
  await store.append([record(ev.serviceUpserted(day('09:00'), { service: 'early-stamped' }), '14:00')]);
  expect((await store.changesRecordedAfter(Date.parse(day('14:30')))).map((c) => c.entity)).toEqual(['late-stamped']);
  expect((await store.changesRecordedAfter(Date.parse(day('13:00')))).map((c) => c.entity)).toEqual(['early-stamped', 'late-stamped']);
  expect((await store.stats()).lastRecordedAt).toBe(Date.parse(day('15:00')));
});
