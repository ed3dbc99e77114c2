import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/api/server.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import type { AppendRecord, AppendResult } from '../../src/store/graph-store.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';

const T = '2026-05-01T10:00:00Z';

interface Running {
  url: string;
  store: EmbeddedStore;
  post(body: string, contentType?: string): Promise<{ status: number; body: { accepted?: number; duplicates?: number; errors?: Record<string, unknown>[] } }>;
  close(): Promise<void>;
}

async function start(options: { maxBodyBytes?: number; wrapAppend?: (append: (r: readonly AppendRecord[]) => Promise<AppendResult>) => (r: readonly AppendRecord[]) => Promise<AppendResult> } = {}): Promise<Running> {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  if (options.wrapAppend) store.append = options.wrapAppend(store.append.bind(store));
  const metrics = createMetrics(store, { processMetrics: false });
  const pipeline = createPipeline({ store, observer: metrics.observer('http') });
  const server = createHttpServer({ store, pipeline, metrics, ready: () => true, logger: silentLogger, ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store,
    async post(body, contentType = 'application/cloudevents-batch+json') {
      const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': contentType }, body });
      return { status: res.status, body: (await res.json()) as Awaited<ReturnType<Running['post']>>['body'] };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('POST /v1/events', () => {
  let s: Running;
  const ev = createEvents({ source: 'deployer' });
  const three = () => [
    ev.serviceUpserted(T, { service: 'web' }),
    ev.serviceUpserted(T, { service: 'cart' }),
    ev.dependencyUpserted(T, { from: 'web', to: 'cart' }),
  ];
  const stored = async () => (await s.store.stats()).events;

  beforeEach(async () => {
    s = await start();
  });
  afterEach(() => s.close());

  it('takes one event as application/cloudevents+json', async () => {
    const r = await s.post(JSON.stringify(ev.serviceUpserted(T, { service: 'web' })), 'application/cloudevents+json');
    expect(r).toEqual({ status: 200, body: { accepted: 1, duplicates: 0 } });
    expect((await s.store.graphAt({ at: Date.parse(T), knownAt: Date.now() })).services.map((x) => x.id)).toEqual(['web']);
  });

  it('takes an array as application/cloudevents-batch+json or application/json, and one object as application/json', async () => {
    expect((await s.post(JSON.stringify(three()))).body).toEqual({ accepted: 3, duplicates: 0 });
    expect((await s.post(JSON.stringify(three()), 'application/json; charset=utf-8')).body).toEqual({ accepted: 3, duplicates: 0 });
    expect((await s.post(JSON.stringify(ev.serviceRetired(T, { service: 'web' })), 'application/json')).body).toEqual({ accepted: 1, duplicates: 0 });
    expect(await stored()).toBe(7);
  });

  it('takes NDJSON, skipping blank lines', async () => {
    const body = `${three().map((e) => JSON.stringify(e)).join('\n')}\n\n`;
    expect(await s.post(body, 'application/x-ndjson')).toEqual({ status: 200, body: { accepted: 3, duplicates: 0 } });
  });

  it('counts repeats of a known (source, id) as duplicates and stores them once', async () => {
    const batch = three();
    await s.post(JSON.stringify(batch));
    const again = await s.post(JSON.stringify([...batch, ev.serviceUpserted(T, { service: 'db' })]));
    expect(again).toEqual({ status: 200, body: { accepted: 1, duplicates: 3 } });
    expect(await stored()).toBe(4);
  });

  it('refuses a whole batch with one invalid event, saying which and where, and stores nothing', async () => {
    const batch = [ev.serviceUpserted(T, { service: 'web' }), { ...ev.serviceUpserted(T, { service: 'cart' }), data: { tier: 9 } }, ev.serviceUpserted(T, { service: 'db' })];
    const r = await s.post(JSON.stringify(batch));
    expect(r.status).toBe(400);
    const where = r.body.errors?.map((e) => `${String(e.index)} ${String(e.id)} ${String(e.path)}`).sort();
    expect(where).toEqual([`1 ${batch[1]!.id} data.service`, `1 ${batch[1]!.id} data.tier`]);
    expect(r.body.errors?.every((e) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);
    // A missing field is called missing, with the type it wants; a wrong one keeps the validator's words.
    expect(r.body.errors?.find((e) => e.path === 'data.service')?.message).toBe('required (string)');
    expect(r.body.errors?.find((e) => e.path === 'data.tier')?.message).not.toMatch(/^required/);
    expect(await stored()).toBe(0);
  });

  it('refuses events that only ctxgraph writes (a ladder promotion, an action outcome), naming them, and stores nothing', async () => {
    const promote = {
      specversion: '1.0', id: 'forged-1', source: 'agent', type: 'ladder.promoted', time: T,
      data: { agent: 'bot', service: 'web', from: 'shadow', to: 'supervised-write', by: 'bot', reason: 'trust me', checks: [] },
    };
    const outcome = { specversion: '1.0', id: 'forged-2', source: 'agent', type: 'action.outcome', time: T, data: { action: 'a-1', service: 'web', kind: 'RESTART', status: 'succeeded' } };
    const r = await s.post(JSON.stringify([ev.serviceUpserted(T, { service: 'web' }), promote, outcome]));
    expect(r.status).toBe(400);
    expect(r.body.errors?.map((e) => `${String(e.index)} ${String(e.path)}`)).toEqual(['1 type', '2 type']);
    expect(r.body.errors?.[0]?.message).toContain('ladder.promoted is written by ctxgraph itself');
    expect(await stored()).toBe(0);
  });

  it('gives the line of an invalid event in NDJSON', async () => {
    const body = [JSON.stringify(ev.serviceUpserted(T, { service: 'web' })), '', JSON.stringify({ ...ev.serviceRetired(T, { service: 'web' }), type: 'service.deleted' })].join('\n');
    const r = await s.post(body, 'application/x-ndjson');
    expect(r.status).toBe(400);
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors?.[0]).toMatchObject({ index: 1, line: 3, path: 'type' });
    expect(r.body.errors?.[0]?.message).toContain('unknown event type "service.deleted"');
    expect(await stored()).toBe(0);
  });

  it('names the line of NDJSON that is not JSON', async () => {
    const body = [JSON.stringify(ev.serviceUpserted(T, { service: 'web' })), '{"specversion": "1.0",', JSON.stringify(ev.serviceUpserted(T, { service: 'db' }))].join('\n');
    const r = await s.post(body, 'application/x-ndjson');
    expect(r.status).toBe(400);
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors?.[0]?.line).toBe(2);
    expect(r.body.errors?.[0]?.message).toMatch(/^line 2 is not valid JSON/);
    expect(await stored()).toBe(0);
  });

  it('names the line where a JSON body stops being JSON', async () => {
    const r = await s.post('[\n  {"id": "1"},\n  {"id": 2,,}\n]');
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]).toMatchObject({ index: null, line: 3 });
    expect(r.body.errors?.[0]?.message).toMatch(/^the body is not valid JSON at line 3, column \d+/);
  });

  it('refuses an empty batch, a single event sent as a batch, and an array sent as one event', async () => {
    expect((await s.post('[]')).status).toBe(400);
    expect((await s.post('\n\n', 'application/x-ndjson')).body.errors?.[0]?.message).toBe('the batch holds no events');
    expect((await s.post(JSON.stringify(ev.serviceUpserted(T, { service: 'web' })))).status).toBe(400);
    expect((await s.post(JSON.stringify(three()), 'application/cloudevents+json')).status).toBe(400);
    expect(await stored()).toBe(0);
  });

  it('answers 415 to a content type it does not take', async () => {
    const r = await s.post(JSON.stringify(three()), 'text/plain');
    expect(r.status).toBe(415);
    expect(r.body.errors?.[0]?.message).toContain('application/cloudevents-batch+json');
    expect(await stored()).toBe(0);
  });

  it('answers 405 to another method', async () => {
    expect((await fetch(`${s.url}/v1/events`)).status).toBe(405);
  });
});

describe('POST /v1/events limits and durability', () => {
  let s: Running | null = null;
  afterEach(() => s?.close());

  it('answers 413 to a body over the limit, declared or streamed, and stores nothing', async () => {
    s = await start({ maxBodyBytes: 1024 });
    const ev = createEvents();
    const big = JSON.stringify(Array.from({ length: 40 }, (_, i) => ev.serviceUpserted(T, { service: `svc-${i}` })));
    expect(big.length).toBeGreaterThan(1024);
    expect((await s.post(big)).status).toBe(413);

    // Chunked, without a content-length: the limit holds while reading.
    const url = new URL(`${s.url}/v1/events`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < big.length; i += 256) req.write(big.slice(i, i + 256));
      req.end();
    });
    expect(status).toBe(413);
    expect((await s.store.stats()).events).toBe(0);
  });

  it('answers only after the store has made the batch durable', async () => {
    let release: () => void = () => undefined;
    let appendCalled: () => void = () => undefined;
    const called = new Promise<void>((resolve) => (appendCalled = resolve));
    s = await start({
      wrapAppend: (append) => async (records) => {
        appendCalled();
        await new Promise<void>((resolve) => (release = resolve));
        return append(records);
      },
    });
    let answered = false;
    const pending = s.post(JSON.stringify([createEvents().serviceUpserted(T, { service: 'web' })])).then((r) => {
      answered = true;
      return r;
    });
    await called;
    // Give the server every chance to answer early; it must not.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    release();
    expect(await pending).toEqual({ status: 200, body: { accepted: 1, duplicates: 0 } });
  });
});
