import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudEventInput } from '../../schema/events.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME } from '../../src/model/time.js';
import type { GraphStore } from '../../src/store/graph-store.js';
import { EmbeddedStore, type EmbeddedStoreOptions } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ctxgraph-recovery-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const SERVICES = Array.from({ length: 8 }, (_, i) => `svc-${i}`);
const T0 = Date.UTC(2026, 4, 1);
const RECORDED_FROM = Date.UTC(2026, 5, 1);

/** mulberry32: a small seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Batches of events of every kind, with valid times out of order within a day after T0. */
function generateBatches(seed: number, batches: number, perBatch: number): CloudEventInput[][] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const time = () => new Date(T0 + 60_000 + Math.floor(rnd() * 86_400_000)).toISOString();
  const ev = createEvents({ source: `gen-${seed}` });
  const deploys: string[] = [];
  const alerts: string[] = [];
  const out: CloudEventInput[][] = [SERVICES.map((service, i) => ev.serviceUpserted(new Date(T0).toISOString(), { service, tier: (i % 4) + 1 }))];
  for (let b = 1; b < batches; b++) {
    const batch: CloudEventInput[] = [];
    for (let i = 0; i < perBatch; i++) {
      const service = pick(SERVICES);
      const n = `${b}-${i}`;
      switch (Math.floor(rnd() * 8)) {
        case 0: {
          const to = pick(SERVICES.filter((s) => s !== service));
          batch.push(ev.dependencyUpserted(time(), { from: service, to, critical: rnd() < 0.5, rps: Math.floor(rnd() * 500) }));
          break;
        }
        case 1:
          deploys.push(`d-${n}`);
          batch.push(ev.deployStarted(time(), { deploy: `d-${n}`, service, version: `v${n}` }));
          break;
        case 2:
          batch.push(deploys.length > 0 ? ev.deployFinished(time(), { deploy: pick(deploys), status: pick(['succeeded', 'failed', 'rolled_back'] as const) }) : ev.serviceUpserted(time(), { service, team: 'core' }));
          break;
        case 3:
          batch.push(ev.configChanged(time(), { change: `c-${n}`, service, key: pick(['timeoutMs', 'poolSize']), value: Math.floor(rnd() * 100) }));
          break;
        case 4:
          alerts.push(`a-${n}`);
          batch.push(ev.alertFired(time(), { alert: `a-${n}`, service, signal: pick(['errors', 'latency']), severity: 'critical' }));
          break;
        case 5:
          batch.push(alerts.length > 0 ? ev.alertResolved(time(), { alert: pick(alerts) }) : ev.serviceUpserted(time(), { service, zone: 'edge' }));
          break;
        case 6:
          batch.push(ev.incidentOpened(time(), { incident: `i-${n}`, services: [service], title: 'checkout is slow ✗' }));
          break;
        default:
          batch.push(rnd() < 0.2 ? ev.serviceRetired(time(), { service }) : ev.serviceUpserted(time(), { service, tier: Math.floor(rnd() * 4) + 1 }));
      }
    }
    out.push(batch);
  }
  return out;
}

/** Lists whose order the store does not promise (graph and adjacency reads), sorted for comparison. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v)]));
  return value;
}

/** What a user can ask, at instants across the generated day and as known after each batch. */
async function answers(store: GraphStore, batches: number) {
  const out: unknown[] = [await store.stats(), await store.changes(0, END_OF_TIME, END_OF_TIME)];
  const knownAts = [END_OF_TIME, ...Array.from({ length: batches }, (_, b) => RECORDED_FROM + b * 1000)];
  for (const knownAt of knownAts) {
    for (let h = 0; h <= 24; h += 6) {
      const t = { at: T0 + h * 3_600_000 + 30_000, knownAt };
      out.push(canonical(await store.graphAt(t)), await store.incidents(t));
      for (const s of SERVICES) out.push(canonical(await store.service(s, t)));
    }
  }
  return out;
}

/** A store on `dataDir` with a pipeline whose clock moves one second per ingest call. */
async function openStore(options: Partial<EmbeddedStoreOptions> = {}, clockStart = RECORDED_FROM) {
  const opened = await EmbeddedStore.open({ dataDir, ...options });
  let clock = clockStart;
  const pipeline = createPipeline({ store: opened.store, now: () => clock });
  const ingest = async (batch: CloudEventInput[]) => {
    const r = await pipeline.ingest(batch);
    clock += 1000;
    if (!r.ok) throw new Error(`test data invalid: ${JSON.stringify(r.errors)}`);
    return r;
  };
  return { ...opened, ingest };
}

const count = (batches: CloudEventInput[][]) => batches.reduce((n, b) => n + b.length, 0);
const segment1 = () => join(dataDir, 'log', '00000001.seg');

describe('embedded store recovery', () => {
  it('keeps everything across a restart on the same data directory', async () => {
    const batches = generateBatches(1, 4, 40);
    const first = await openStore();
    for (const b of batches) await first.ingest(b);
    const before = await answers(first.store, batches.length);
    await first.store.close();

    const second = await openStore({}, RECORDED_FROM + batches.length * 1000);
    expect(second.recovery).toEqual({ fromSnapshot: 0, replayedEvents: count(batches), droppedTailBytes: 0 });
    expect(await answers(second.store, batches.length)).toEqual(before);
    // The idempotency keys survived too: a redelivery changes nothing.
    expect(await second.ingest(batches[1] as CloudEventInput[])).toEqual({ ok: true, accepted: 0, duplicates: 40 });
    await second.store.close();
  });

  it('keeps everything across a restart after a snapshot and more appends', async () => {
    const batches = generateBatches(2, 5, 40);
    const first = await openStore();
    for (const b of batches.slice(0, 3)) await first.ingest(b);
    await first.store.snapshot();
    for (const b of batches.slice(3)) await first.ingest(b);
    const before = await answers(first.store, batches.length);
    await first.store.close();

    const second = await openStore({}, RECORDED_FROM + batches.length * 1000);
    expect(second.recovery).toEqual({ fromSnapshot: count(batches.slice(0, 3)), replayedEvents: count(batches.slice(3)), droppedTailBytes: 0 });
    expect(await answers(second.store, batches.length)).toEqual(before);
    await second.store.close();
  });

  it('keeps everything when snapshots are taken automatically between appends', async () => {
    const batches = generateBatches(3, 6, 30);
    const first = await openStore({ snapshotEveryEvents: 50 });
    for (const b of batches) await first.ingest(b);
    const before = await answers(first.store, batches.length);
    await first.store.close();
    expect((await readdir(join(dataDir, 'snapshots'))).filter((f) => f.endsWith('.bin'))).toHaveLength(2);

    const second = await openStore({ snapshotEveryEvents: 50 }, RECORDED_FROM + batches.length * 1000);
    expect(second.recovery.fromSnapshot + second.recovery.replayedEvents).toBe(count(batches));
    expect(await answers(second.store, batches.length)).toEqual(before);
    await second.store.close();
  });

  it('loses only the batch whose record was cut mid-way, and accepts appends afterwards', async () => {
    const batches = generateBatches(4, 3, 40);
    const [b1, b2, b3] = batches as [CloudEventInput[], CloudEventInput[], CloudEventInput[]];
    const first = await openStore();
    await first.ingest(b1);
    await first.ingest(b2);
    const sizeAfterTwo = (await stat(segment1())).size;
    await first.ingest(b3);
    const before = await answers(first.store, batches.length);
    const sizeAfterThree = (await stat(segment1())).size;
    await first.store.close();
    // A crash part-way through writing the third record.
    await truncate(segment1(), sizeAfterTwo + Math.floor((sizeAfterThree - sizeAfterTwo) / 2));

    const second = await openStore();
    expect(second.recovery.droppedTailBytes).toBeGreaterThan(0);
    expect(second.recovery.replayedEvents).toBe(b1.length + b2.length);
    expect((await second.store.stats()).events).toBe(b1.length + b2.length);
    expect(await answers(second.store, batches.length)).not.toEqual(before);
    expect(await second.ingest(b1)).toEqual({ ok: true, accepted: 0, duplicates: b1.length });
    expect(await second.ingest(b2)).toEqual({ ok: true, accepted: 0, duplicates: b2.length });
    expect(await second.ingest(b3)).toEqual({ ok: true, accepted: b3.length, duplicates: 0 });
    await second.store.close();

    // The redelivery of the third batch ran at the same clock reading as the original, so even
    // the recorded times (and so every knownAt answer) match what the store said before the crash.
    const third = await openStore();
    expect(third.recovery).toEqual({ fromSnapshot: 0, replayedEvents: count(batches), droppedTailBytes: 0 });
    expect(await answers(third.store, batches.length)).toEqual(before);
    await third.store.close();
  });

  it('answers concurrent batches that share a write each on its own, and keeps all of them', async () => {
    const batches = generateBatches(5, 6, 25);
    const first = await openStore();
    await first.ingest(batches[0] as CloudEventInput[]);
    // Sent together, so they queue while the log is busy and share a write; the last repeats the second.
    const rest = [...batches.slice(1), batches[1] as CloudEventInput[]];
    const answered = await Promise.all(rest.map((b) => first.ingest(b)));
    expect(answered.slice(0, -1)).toEqual(batches.slice(1).map((b) => ({ ok: true, accepted: b.length, duplicates: 0 })));
    expect(answered[answered.length - 1]).toEqual({ ok: true, accepted: 0, duplicates: 25 });
    const before = await answers(first.store, batches.length);
    await first.store.close();

    const second = await openStore({}, RECORDED_FROM + batches.length * 1000);
    expect(second.recovery).toEqual({ fromSnapshot: 0, replayedEvents: count(batches), droppedTailBytes: 0 });
    expect(await answers(second.store, batches.length)).toEqual(before);
    await second.store.close();
  });

  it('builds each snapshot on the one before, across restarts, and still keeps everything', async () => {
    const batches = generateBatches(6, 8, 30);
    const first = await openStore();
    for (const b of batches.slice(0, 3)) await first.ingest(b);
    await first.store.snapshot();
    await first.store.close();

    // The second run starts from that snapshot, adds to it, and snapshots twice more.
    const second = await openStore({}, RECORDED_FROM + 3000);
    expect(second.recovery.fromSnapshot).toBe(count(batches.slice(0, 3)));
    for (const b of batches.slice(3, 5)) await second.ingest(b);
    await second.store.snapshot();
    for (const b of batches.slice(5, 7)) await second.ingest(b);
    await second.store.snapshot();
    await second.ingest(batches[7] as CloudEventInput[]);
    const before = await answers(second.store, batches.length);
    await second.store.close();

    const third = await openStore({}, RECORDED_FROM + batches.length * 1000);
    expect(third.recovery).toEqual({ fromSnapshot: count(batches.slice(0, 7)), replayedEvents: count(batches.slice(7)), droppedTailBytes: 0 });
    expect(await answers(third.store, batches.length)).toEqual(before);
    await third.store.close();
  });

  it('writes a whole snapshot when the one it would build on is damaged', async () => {
    const batches = generateBatches(7, 4, 30);
    const first = await openStore();
    for (const b of batches.slice(0, 2)) await first.ingest(b);
    await first.store.snapshot();
    const [base] = (await readdir(join(dataDir, 'snapshots'))).filter((f) => f.endsWith('.bin'));
    // Damaged after it was written (the store keeps building on it otherwise).
    await truncate(join(dataDir, 'snapshots', base as string), 30);
    for (const b of batches.slice(2)) await first.ingest(b);
    await first.store.snapshot();
    const before = await answers(first.store, batches.length);
    await first.store.close();

    const second = await openStore({}, RECORDED_FROM + batches.length * 1000);
    expect(second.recovery).toEqual({ fromSnapshot: count(batches), replayedEvents: 0, droppedTailBytes: 0 });
    expect(await answers(second.store, batches.length)).toEqual(before);
    await second.store.close();
  });

  it('a clean shutdown with a thousand events or more outside the last snapshot writes one, so the next start replays nothing', async () => {
    // The first batch of each holds the services, the others 1,200 events each.
    const batches = generateBatches(9, 3, 1_200);
    const first = await openStore();
    for (const b of batches.slice(0, 2)) await first.ingest(b);
    await first.store.snapshot();
    // Fewer than a thousand events since that snapshot: not worth one at shutdown.
    const few = (batches[2] as CloudEventInput[]).slice(0, 900);
    await first.ingest(few);
    await first.store.close();
    const second = await openStore({}, RECORDED_FROM + 3000);
    expect(second.recovery).toEqual({ fromSnapshot: count(batches.slice(0, 2)), replayedEvents: 900, droppedTailBytes: 0 });
    const more = generateBatches(10, 2, 1_200);
    for (const b of more) await second.ingest(b);
    const before = await answers(second.store, batches.length + more.length);
    await second.store.close();

    const third = await openStore({}, RECORDED_FROM + 6000);
    expect(third.recovery).toEqual({ fromSnapshot: count(batches.slice(0, 2)) + 900 + count(more), replayedEvents: 0, droppedTailBytes: 0 });
    expect(await answers(third.store, batches.length + more.length)).toEqual(before);
    await third.store.close();
  });

  it('after a start-up from the log alone, the next snapshot covers what was replayed too', async () => {
    const batches = generateBatches(8, 4, 30);
    const first = await openStore();
    for (const b of batches.slice(0, 3)) await first.ingest(b);
    await first.store.close();

    const second = await openStore({}, RECORDED_FROM + 3000);
    expect(second.recovery.replayedEvents).toBe(count(batches.slice(0, 3)));
    await second.ingest(batches[3] as CloudEventInput[]);
    await second.store.snapshot();
    const before = await answers(second.store, batches.length);
    await second.store.close();

    const third = await openStore({}, RECORDED_FROM + batches.length * 1000);
    expect(third.recovery).toEqual({ fromSnapshot: count(batches), replayedEvents: 0, droppedTailBytes: 0 });
    expect(await answers(third.store, batches.length)).toEqual(before);
    await third.store.close();
  });
});

