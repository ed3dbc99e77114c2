/**
 * The file door on worker threads into the embedded store on disk: the same graph as on one
 * thread, kept across restarts (the log holds the prepared records, snapshots their frames),
 * repeats counted as on one thread, and a failed write stops the file with nothing stored after it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateProduction } from '../../bench/generate.js';
import { chunksOf } from '../../src/ingest/file-chunks.js';
import { ingestFiles } from '../../src/ingest/file.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME } from '../../src/model/time.js';
import type { EventLog } from '../../src/store/memory/event-log.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxgraph-file-workers-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ndjson = (items: readonly unknown[]): string => items.map((e) => JSON.stringify(e)).join('\n') + '\n';
const ON_WORKERS = { workers: 2, parallelFromBytes: 0, batchSize: 250 } as const;

/** What a user reads back: whole graphs at instants and every change, as known now. */
async function picture(store: EmbeddedStore, from: number, to: number): Promise<unknown> {
  const instants = [0.1, 0.4, 0.7, 1].map((f) => Math.floor(from + f * (to - from)));
  return {
    // Recording times differ between two ingests of the same files.
    stats: { ...(await store.stats()), lastRecordedAt: 0 },
    graphs: await Promise.all(instants.map((at) => store.graphAt({ at, knownAt: END_OF_TIME }))),
    changes: (await store.changes(from, to, END_OF_TIME)).map((c) => ({ ...c, recordedAt: 0 })),
  };
}

describe('ingestFiles on worker threads into the embedded store', () => {
  const { events } = generateProduction({ seed: 11, services: 60, dependencies: 200, events: 3_000, days: 2 });
  const from = Date.parse(events[0]?.time ?? '');
  const to = from + 3 * 86_400_000;

  it('builds the graph one thread builds, and a restart from its log and snapshots keeps it', async () => {
    const path = join(dir, 'history.ndjson');
    await writeFile(path, ndjson(events));
    const one = (await EmbeddedStore.open({ dataDir: join(dir, 'one') })).store;
    expect(await ingestFiles([path], createPipeline({ store: one }), { workers: 0 })).toMatchObject({ ok: true, accepted: events.length });
    const expected = await picture(one, from, to);
    await one.close();

    // Snapshots every 700 events: some are built from the workers' frames while the file goes in.
    const many = (await EmbeddedStore.open({ dataDir: join(dir, 'many'), snapshotEveryEvents: 700 })).store;
    const r = await ingestFiles([path], createPipeline({ store: many }), ON_WORKERS);
    expect(r).toEqual({ ok: true, files: 1, accepted: events.length, duplicates: 0 });
    expect(await picture(many, from, to)).toEqual(expected);
    const lastRecorded = (await many.stats()).lastRecordedAt;
    const recent = (await many.changesRecordedAfter(lastRecorded - 1)).map((c) => `${c.source}/${c.eventId}`);
    expect(recent.length).toBeGreaterThan(0);
    await many.close();

    const { store: reopened, recovery } = await EmbeddedStore.open({ dataDir: join(dir, 'many') });
    expect(recovery.fromSnapshot).toBeGreaterThan(0);
    expect(recovery.fromSnapshot + recovery.replayedEvents).toBe(events.length);
    expect(await picture(reopened, from, to)).toEqual(expected);
    // What was recorded last, and when, survive the restart from snapshots and the log.
    expect((await reopened.stats()).lastRecordedAt).toBe(lastRecorded);
    expect((await reopened.changesRecordedAfter(lastRecorded - 1)).map((c) => `${c.source}/${c.eventId}`)).toEqual(recent);
    await reopened.close();
  });

  it('logs each line as the producer wrote it where validation keeps it, as validated where not: a restart from the log alone gives the same graph, to the order of keys', async () => {
    const base = events.slice(0, 400).map((e) => structuredClone(e) as unknown as Record<string, unknown>);
    const services = base.filter((e) => e.type === 'service.upserted');
    const data = (e: Record<string, unknown> | undefined): Record<string, unknown> => (e?.data ?? {}) as Record<string, unknown>;
    // Stripped or rewritten by validation: the line cannot be logged as it is.
    (base[5] as Record<string, unknown>).unknownField = 1;
    data(base[6]).unknownDataField = 'x';
    data(services[0]).tags = { runtime: 'jvm', tier: 'gold' };
    // Kept: the envelope's and data's fields in another order, read by name.
    const shuffled = Object.fromEntries(Object.entries(base[7] as object).reverse());
    base[7] = shuffled;
    // Kept only with its nested values in the same order: this one is logged as validated.
    data(services[1]).slo = { windowDays: 7, objective: 0.99 };
    const lines = base.map((e) => JSON.stringify(e));
    lines[8] = `  ${lines[8] ?? ''}\r`;
    const path = join(dir, 'written.ndjson');
    await writeFile(path, lines.join('\n') + '\n');
    // Not ASCII: this file's lines are always logged as validated.
    const other = join(dir, 'other.ndjson');
    const more = events.slice(400, 500).map((e) => structuredClone(e) as unknown as Record<string, unknown>);
    const renamed = more.find((e) => e.type === 'service.upserted');
    if (renamed) data(renamed).name = 'caf\u00e9 \u2192';
    await writeFile(other, ndjson(more));
    const picked = [path, other];

    const one = (await EmbeddedStore.open({ dataDir: join(dir, 'one') })).store;
    expect(await ingestFiles(picked, createPipeline({ store: one }), { workers: 0 })).toMatchObject({ ok: true, accepted: 500 });
    const expected = JSON.stringify(await picture(one, from, to));
    await one.close();

    const many = (await EmbeddedStore.open({ dataDir: join(dir, 'many') })).store;
    expect(await ingestFiles(picked, createPipeline({ store: many }), ON_WORKERS)).toMatchObject({ ok: true, accepted: 500 });
    expect(JSON.stringify(await picture(many, from, to))).toBe(expected);
    await many.close();
    // The log alone, as after a crash before the first snapshot.
    await rm(join(dir, 'many', 'snapshots'), { recursive: true, force: true });
    const { store: replayed, recovery } = await EmbeddedStore.open({ dataDir: join(dir, 'many') });
    expect(recovery.replayedEvents).toBe(500);
    expect(JSON.stringify(await picture(replayed, from, to))).toBe(expected);
    await replayed.close();
  });

  it('counts repeats within and across batches, and a restart holds each event once', async () => {
    const firstHalf = events.slice(0, 1_500);
    // The second file repeats a run of the first and one of its own events, between new ones.
    const second = [...events.slice(1_400, 2_200), events[1_900], ...events.slice(2_200)];
    const a = join(dir, 'a.ndjson');
    const b = join(dir, 'b.ndjson');
    await writeFile(a, ndjson(firstHalf));
    await writeFile(b, ndjson(second));
    const data = join(dir, 'store');
    const { store } = await EmbeddedStore.open({ dataDir: data, snapshotEveryEvents: 500 });
    const pipeline = createPipeline({ store });

    expect(await ingestFiles([a], pipeline, ON_WORKERS)).toEqual({ ok: true, files: 1, accepted: 1_500, duplicates: 0 });
    expect(await ingestFiles([b], pipeline, ON_WORKERS)).toEqual({ ok: true, files: 1, accepted: events.length - 1_500, duplicates: 101 });
    const expected = await picture(store, from, to);
    expect((await store.stats()).events).toBe(events.length);
    await store.close();

    const { store: reopened, recovery } = await EmbeddedStore.open({ dataDir: data });
    // From a snapshot that took in the batches with repeats (no fallback to the whole log).
    expect(recovery.fromSnapshot).toBeGreaterThan(1_500);
    expect(recovery.fromSnapshot + recovery.replayedEvents).toBe(events.length);
    expect(await picture(reopened, from, to)).toEqual(expected);
    await reopened.close();
  });

  it('stops at a batch whose write fails: the batches before it stay, none after it is stored, and a re-run stores the rest', async () => {
    const path = join(dir, 'history.ndjson');
    await writeFile(path, ndjson(events.slice(0, 1_000)));
    const data = join(dir, 'store');
    const { store } = await EmbeddedStore.open({ dataDir: data });
    // The write that holds the second batch fails, as a full disk would, once a third batch was
    // handed over; the log itself stays usable, so only the store's rules keep later batches out.
    const handed: Uint8Array[] = [];
    let thirdHanded = (): void => undefined;
    const third = new Promise<void>((resolve) => (thirdHanded = resolve));
    const appendPrepared = store.appendPrepared.bind(store);
    store.appendPrepared = (batch, stream) => {
      if (handed.push(batch.record) === 3) thirdHanded();
      return appendPrepared(batch, stream);
    };
    const log = (store as unknown as { log: EventLog }).log;
    const appendMany = log.appendMany.bind(log);
    let failed = false;
    log.appendMany = async (batches) => {
      if (failed || !batches.includes(handed[1] as Uint8Array)) return appendMany(batches);
      failed = true;
      await third;
      throw new Error('disk full');
    };

    await expect(ingestFiles([path], createPipeline({ store }), ON_WORKERS)).rejects.toThrow('disk full');
    // What is stored is the batches before the second: the first (250 events), or none when the
    // first shared the failed write.
    const kept = (await store.stats()).events;
    expect([0, 250]).toContain(kept);
    // Re-running the file once the disk has room stores the rest: the failed batches' events were not kept as known.
    expect(await ingestFiles([path], createPipeline({ store }), ON_WORKERS)).toEqual({ ok: true, files: 1, accepted: 1_000 - kept, duplicates: kept });
    await store.close();
    const { store: reopened } = await EmbeddedStore.open({ dataDir: data });
    expect((await reopened.stats()).events).toBe(1_000);
    await reopened.close();
  });
});

describe('chunksOf', () => {
  const collect = async (text: string, lines: number) => {
    const path = join(dir, 'chunks.ndjson');
    await writeFile(path, text);
    const out: { text: string; firstLine: number; lines: number }[] = [];
    for await (const c of chunksOf(path, lines)) out.push({ text: Buffer.from(c.bytes).toString('utf8'), firstLine: c.firstLine, lines: c.lines });
    return out;
  };

  it('cuts whole lines, numbers them, and keeps a last line without its newline', async () => {
    expect(await collect('a\nb\n\nc\nd', 2)).toEqual([
      { text: 'a\nb\n', firstLine: 1, lines: 2 },
      { text: '\nc\n', firstLine: 3, lines: 2 },
      { text: 'd', firstLine: 5, lines: 1 },
    ]);
    expect(await collect('', 2)).toEqual([]);
  });

  it('keeps a line longer than one read whole', async () => {
    const long = 'x'.repeat(9 << 20);
    const chunks = await collect(`${long}\nshort\n`, 1);
    expect(chunks.map((c) => c.text.length)).toEqual([long.length + 1, 6]);
    expect(chunks.map((c) => c.firstLine)).toEqual([1, 2]);
  });
});
