/**
 * The file door: NDJSON (streamed) and JSON-array files into the real pipeline and an in-memory
 * store. Batches are all or nothing, ingestion stops at the first invalid batch and says where,
 * and re-running a fixed file is safe.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../schema/events.js';
import { type EventSink, type FileIngestOptions, type FileProgress, ingestFiles as ingestAll } from '../../src/ingest/file.js';
import { createPipeline, type Pipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';

const AT = '2026-03-01T10:00:00Z';
const LATER = { at: Date.parse('2026-03-02T00:00:00Z'), knownAt: END_OF_TIME };

let dir: string;
let store: EmbeddedStore;
let pipeline: Pipeline;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxgraph-file-'));
  ({ store } = await EmbeddedStore.open({ dataDir: null }));
  pipeline = createPipeline({ store });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** `n` valid service upserts, `svc-0` to `svc-(n-1)`, with distinct ids. */
function services(n: number, name?: (i: number) => string): object[] {
  const ev = createEvents({ source: 'file-test' });
  return Array.from({ length: n }, (_, i) => ev.serviceUpserted(AT, { service: `svc-${i}`, ...(name ? { name: name(i) } : {}) }));
}

const ndjson = (items: readonly unknown[], eol = '\n'): string => items.map((e) => JSON.stringify(e)).join(eol) + eol;

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const serviceIds = async (): Promise<string[]> => (await store.graphAt(LATER)).services.map((s) => s.id).sort();

/** Forwards to the pipeline and remembers every call, to prove what reached the store. */
function recordingSink(): EventSink & { calls: CloudEvent[][] } {
  const calls: CloudEvent[][] = [];
  return {
    calls,
    store: (events) => {
      calls.push([...events]);
      return pipeline.store(events);
    },
  };
}

/** The same door on the calling thread, and on worker threads (forced here for small files). */
const MODES = [
  { mode: 'on one thread', options: { workers: 0 } },
  { mode: 'on worker threads', options: { workers: 2, parallelFromBytes: 0 } },
] as const;

describe.each(MODES)('ingestFiles $mode', ({ options: modeOptions }) => {
  const ingestFiles = (files: readonly string[], sink: EventSink, options: FileIngestOptions = {}) => ingestAll(files, sink, { ...modeOptions, ...options });

  it('loads an NDJSON file and a JSON-array file into the graph', async () => {
    const ev = createEvents({ source: 'file-test' });
    const a = await file('a.ndjson', ndjson([ev.serviceUpserted(AT, { service: 'web' }), ev.serviceUpserted(AT, { service: 'api' })]));
    const b = await file(
      'b.json',
      JSON.stringify([ev.serviceUpserted(AT, { service: 'db', kind: 'database' }), ev.dependencyUpserted(AT, { from: 'api', to: 'db' })], null, 2),
    );

    const r = await ingestFiles([a, b], pipeline);

    expect(r).toEqual({ ok: true, files: 2, accepted: 4, duplicates: 0 });
    expect(await serviceIds()).toEqual(['api', 'db', 'web']);
    expect((await store.graphAt(LATER)).dependencies.map((d) => `${d.from}->${d.to}`)).toEqual(['api->db']);
  });

  it('skips blank lines, accepts CRLF line ends and a last line without a newline', async () => {
    const [s0, s1, s2] = services(3);
    const text = `\r\n${JSON.stringify(s0)}\r\n   \r\n\r\n${JSON.stringify(s1)}\r\n${JSON.stringify(s2)}`;
    const r = await ingestFiles([await file('crlf.ndjson', text)], pipeline);

    expect(r).toEqual({ ok: true, files: 1, accepted: 3, duplicates: 0 });
    expect(await serviceIds()).toEqual(['svc-0', 'svc-1', 'svc-2']);
  });

  it('counts blank lines when it reports the line of bad JSON', async () => {
    const [s0, s1] = services(2);
    const text = `${JSON.stringify(s0)}\n\n{"specversion": "1.0", oops\n${JSON.stringify(s1)}\n`;
    const r = await ingestFiles([await file('bad-json.ndjson', text)], pipeline);

    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 3, index: null, id: null });
    expect(r.errors[0]?.message).toMatch(/not valid JSON/);
    // The bad line is in the first (only) batch, so nothing of that batch is stored.
    expect(await serviceIds()).toEqual([]);
  });

  it('reports the line, id and field path of an invalid event', async () => {
    const ev = createEvents({ source: 'file-test' });
    const items = [ev.serviceUpserted(AT, { service: 'web' }), ev.serviceUpserted(AT, { service: 'api', tier: 9 }, { id: 'bad-tier' })];
    const path = await file('invalid.ndjson', ndjson(items));
    const r = await ingestFiles([path], pipeline);

    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: path, line: 2, index: null, id: 'bad-tier', path: 'data.tier' });
    expect(r.errors[0]?.message).not.toBe('');
  });

  it('reports the element index of an invalid event in a JSON array', async () => {
    const ev = createEvents({ source: 'file-test' });
    const items = [ev.serviceUpserted(AT, { service: 'web' }), { ...ev.serviceUpserted(AT, { service: 'api' }), type: 'service.exploded' }];
    const r = await ingestFiles([await file('invalid.json', JSON.stringify(items))], pipeline);

    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toMatchObject([{ line: null, index: 1, path: 'type' }]);
    expect(r.errors[0]?.message).toContain('service.exploded');
  });

  it('keeps the batches before the bad one, and a re-run of the fixed file counts them as duplicates', async () => {
    const items: object[] = services(7);
    const good = items[5] as object;
    items[5] = { ...good, time: 'yesterday' };
    const path = await file('partial.ndjson', ndjson(items));

    const first = await ingestFiles([path], pipeline, { batchSize: 2 });

    // Batches: [0,1] [2,3] [4,5*] [6]: the first two are stored, the bad batch and what follows are not.
    expect(first).toMatchObject({ ok: false, accepted: 4, duplicates: 0, errors: [{ line: 6, path: 'time' }] });
    expect(await serviceIds()).toEqual(['svc-0', 'svc-1', 'svc-2', 'svc-3']);

    items[5] = good;
    await writeFile(path, ndjson(items));
    const second = await ingestFiles([path], pipeline, { batchSize: 2 });

    expect(second).toEqual({ ok: true, files: 1, accepted: 3, duplicates: 4 });
    expect(await serviceIds()).toHaveLength(7);
  });

  it('does not open the next file after a failed one', async () => {
    const [s0, s1] = services(2);
    const bad = await file('1-bad.ndjson', 'not json\n');
    const next = await file('2-next.ndjson', ndjson([s0, s1]));
    const r = await ingestFiles([bad, next], pipeline);

    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.file)).toEqual([bad]);
    expect(await serviceIds()).toEqual([]);
  });

  it('with checkOnly stores nothing and reports every invalid event in every file', async () => {
    const items: object[] = services(6);
    items[1] = { ...(items[1] as object), specversion: '0.3' };
    items[4] = { ...(items[4] as object), data: {} };
    const a = await file('a.ndjson', ndjson(items).replace(JSON.stringify(items[2]), '{broken'));
    const b = await file('b.json', JSON.stringify([{ specversion: '1.0' }]));
    const sink = recordingSink();

    const r = await ingestFiles([a, b], sink, { checkOnly: true, batchSize: 2 });

    expect(sink.calls).toEqual([]);
    expect((await store.stats()).events).toBe(0);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const where = r.errors.map((e) => `${e.file === a ? 'a' : 'b'}:${e.line ?? `[${e.index}]`}`);
    expect(new Set(where)).toEqual(new Set(['a:2', 'a:3', 'a:5', 'b:[0]']));
  });

  it('with checkOnly and valid files says ok and still stores nothing', async () => {
    const sink = recordingSink();
    const r = await ingestFiles([await file('ok.ndjson', ndjson(services(3)))], sink, { checkOnly: true });

    expect(r).toEqual({ ok: true, files: 1, accepted: 0, duplicates: 0 });
    expect(sink.calls).toEqual([]);
  });

  it('reports progress with growing bytesRead, ending at the file size and the event count', async () => {
    // Blank lines at the end are read after the last event's batch is already full.
    const text = ndjson(services(6)) + '\n'.repeat(200);
    const path = await file('progress.ndjson', text);
    const seen: FileProgress[] = [];

    await ingestFiles([path], pipeline, { batchSize: 3, chunkBytes: 64, onProgress: (p) => seen.push({ ...p }) });

    expect(seen.length).toBeGreaterThanOrEqual(2);
    const bytes = seen.map((p) => p.bytesRead);
    expect([...bytes].sort((x, y) => x - y)).toEqual(bytes);
    expect(new Set(bytes).size).toBeGreaterThan(1);
    expect(seen.every((p) => p.file === path && p.bytesTotal === Buffer.byteLength(text))).toBe(true);
    expect(seen.at(-1)).toMatchObject({ bytesRead: Buffer.byteLength(text), events: 6 });
  });

  it('keeps UTF-8 characters whole when a read splits them', async () => {
    const names = ['Zürich', 'café ☕', '日本語サービス', 'emoji 🚀🛰️', 'Ελληνικά'];
    const items = services(names.length, (i) => names[i] as string);
    const text = ndjson(items);
    // Reads of 5 bytes split every 3- and 4-byte character somewhere in the file.
    const r = await ingestFiles([await file('utf8.ndjson', text)], pipeline, { chunkBytes: 5 });

    expect(r).toMatchObject({ ok: true, accepted: names.length });
    const stored = (await store.graphAt(LATER)).services.sort((x, y) => x.id.localeCompare(y.id)).map((s) => s.name);
    expect(stored).toEqual(names);
  });

  it('keeps UTF-8 characters whole across the default 1 MiB read', async () => {
    const name = 'ünïcødé-日本-'.repeat(40);
    const items = services(1200, () => name);
    let text = ndjson(items);
    const boundary = 1 << 20;
    // Leading spaces on the first line move the boundary until it falls inside a character.
    while ((Buffer.from(text)[boundary] ?? 0) >> 6 !== 0b10) text = ` ${text}`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(boundary);

    const r = await ingestFiles([await file('big.ndjson', text)], pipeline);

    expect(r).toMatchObject({ ok: true, accepted: items.length });
    const stored = (await store.graphAt(LATER)).services;
    expect(stored).toHaveLength(items.length);
    expect(stored.every((s) => s.name === name)).toBe(true);
  });

  it('accepts files that start with a UTF-8 byte-order mark', async () => {
    const [s0, s1] = services(2);
    const a = await file('bom.ndjson', `\uFEFF${ndjson([s0])}`);
    const b = await file('bom.json', `\uFEFF${JSON.stringify([s1])}`);
    const r = await ingestFiles([a, b], pipeline);

    expect(r).toEqual({ ok: true, files: 2, accepted: 2, duplicates: 0 });
    expect(await serviceIds()).toEqual(['svc-0', 'svc-1']);
  });

  it('accepts an empty file as zero events', async () => {
    const r = await ingestFiles([await file('empty.ndjson', '')], pipeline);
    expect(r).toEqual({ ok: true, files: 1, accepted: 0, duplicates: 0 });
  });

  it('stops at a batch the store fails, stores nothing after it, and passes the failure on', async () => {
    const f = await file('svc.ndjson', ndjson(services(50)));
    const stored: string[][] = [];
    const failing: EventSink = {
      store: (events) => {
        if (stored.length === 2) return Promise.reject(new Error('disk full'));
        stored.push(events.map((e) => e.id));
        return Promise.resolve({ accepted: events.length, duplicates: 0 });
      },
    };
    await expect(ingestFiles([f], failing, { batchSize: 10 })).rejects.toThrow('disk full');
    // The batches before the failed one went in, in file order; none after it was tried.
    expect(stored.map((ids) => ids.length)).toEqual([10, 10]);
    expect(stored.flat()).toEqual((services(50) as CloudEvent[]).slice(0, 20).map((e) => e.id));
  });
});

