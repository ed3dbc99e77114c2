/**
 * Batches of one stream are stored in order, each only if the one before it was: once a write of
 * one fails, every later batch of the stream fails too (queued behind it or handed over after),
 * even when the log works again. Other writers are not affected, and the failed events stay
 * unknown, so sending them again stores them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CloudEvent, parseEvent } from '../../schema/events.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import type { EventLog } from '../../src/store/memory/event-log.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { type AppendStream, prepareBatch } from '../../src/store/memory/prepared-batch.js';
import { createEvents } from '../support/events.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxgraph-write-failure-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T = '2026-05-01T10:00:00Z';
const ev = createEvents({ source: 'writer' });
const valid = (e: unknown): CloudEvent => (parseEvent(e) as { ok: true; event: CloudEvent }).event;
const batchOf = (service: string) => prepareBatch([valid(ev.serviceUpserted(T, { service }))], Date.now());

describe('a failed write in the embedded store', () => {
  it('fails the later batches of its stream, queued or not, and keeps none of their events as known', async () => {
    const { store } = await EmbeddedStore.open({ dataDir: join(dir, 'data') });
    const log = (store as unknown as { log: EventLog }).log;
    const appendMany = log.appendMany.bind(log);
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let writes = 0;
    // The first write fails once the next batch waits behind it; every later write succeeds.
    log.appendMany = async (batches) => {
      if (++writes > 1) return appendMany(batches);
      await gate;
      throw new Error('disk full');
    };
    const stream: AppendStream = { failure: null };

    const first = store.appendPrepared(batchOf('web'), stream);
    const queued = store.appendPrepared(batchOf('api'), stream);
    const elsewhere = createPipeline({ store }).ingest([ev.serviceUpserted(T, { service: 'billing' })]);
    open();

    await expect(first).rejects.toThrow('disk full');
    await expect(queued).rejects.toThrow('disk full');
    await expect(store.appendPrepared(batchOf('db'), stream)).rejects.toThrow('disk full');
    // Another writer's batch, queued behind the failure too, is its own: the log works again, so it is stored.
    expect(await elsewhere).toEqual({ ok: true, accepted: 1, duplicates: 0 });
    expect((await store.stats()).events).toBe(1);
    // The failed events are not known: a new stream stores them.
    const again = { failure: null };
    expect(await store.appendPrepared(batchOf('web'), again)).toMatchObject({ accepted: 1, duplicates: 0 });
    await store.close();
    const { store: reopened } = await EmbeddedStore.open({ dataDir: join(dir, 'data') });
    expect((await reopened.graphAt({ at: Date.parse(T) + 1, knownAt: Date.now() + 1 })).services.map((s) => s.id).sort()).toEqual(['billing', 'web']);
    await reopened.close();
  });
});
