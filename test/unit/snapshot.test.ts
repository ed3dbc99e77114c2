import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../schema/events.js';
import { applyEvent } from '../../src/model/apply.js';
import { eventKey, type Fact } from '../../src/model/facts.js';
import { readLatestSnapshot, type SnapshotContent, UnusableBaseSnapshot, writeSnapshot } from '../../src/store/memory/snapshot.js';

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'ctxgraph-snap-')), 'snapshots');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

function entries(n: number): [string, Fact[]][] {
  return Array.from({ length: n }, (_, i): [string, Fact[]] => {
    const e: CloudEvent = {
      specversion: '1.0',
      id: `d${i}`,
      source: 'ci',
      type: 'dependency.upserted',
      time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      data: { from: `svc-${i % 50}`, to: `svc-${(i + 1) % 50}`, rps: i, protocol: 'grpc' },
    };
    return [eventKey(e.source, e.id), applyEvent(e, 1_800_000_000_000 + i)];
  });
}

const content = (segment: number, offset: number, n: number): SnapshotContent => ({
  position: { segment, offset },
  createdAt: 1_800_000_000_000 + segment * 1000 + offset,
  events: entries(n),
});

const snapshotFiles = async () => (await readdir(dir)).filter((f) => f.startsWith('snapshot-')).sort();

function capturingLogger() {
  const lines: { msg: string; file?: string; reason?: string }[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s) as (typeof lines)[number]) });
  return { logger, lines };
}

describe('snapshots', () => {
  it('reads back exactly what was written, across many frames', async () => {
    // More events than fit in one frame, so the framing is exercised.
    const written = content(3, 4096, 25_000);
    await writeSnapshot(dir, written);
    expect(await readLatestSnapshot(dir)).toEqual(written);
  });

  it('returns null when there is no snapshot, or no directory', async () => {
    expect(await readLatestSnapshot(dir)).toBeNull();
    await writeSnapshot(dir, content(1, 8, 0));
    expect((await readLatestSnapshot(dir))?.events).toEqual([]);
  });

  it('keeps the newest two snapshots by log position and reads the newest', async () => {
    await writeSnapshot(dir, content(1, 900, 3));
    await writeSnapshot(dir, content(2, 100, 4));
    await writeSnapshot(dir, content(10, 50, 5));
    expect(await snapshotFiles()).toHaveLength(2);
    const latest = await readLatestSnapshot(dir);
    expect(latest?.position).toEqual({ segment: 10, offset: 50 });
    expect(latest?.events).toHaveLength(5);
  });

  it('falls back to the older snapshot when the newest fails its checksum, and says so', async () => {
    await writeSnapshot(dir, content(1, 500, 10));
    await writeSnapshot(dir, content(2, 700, 20));
    const newest = join(dir, (await snapshotFiles())[1] as string);
    const bytes = await readFile(newest);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] as number) ^ 0x01;
    await writeFile(newest, bytes);

    const { logger, lines } = capturingLogger();
    const latest = await readLatestSnapshot(dir, logger);
    expect(latest).toEqual(content(1, 500, 10));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.file).toBe(newest);
    expect(lines[0]?.reason).toMatch(/checksum/);
  });

  it('falls back when the newest is cut short, and returns null when none is usable', async () => {
    await writeSnapshot(dir, content(1, 500, 10));
    await writeSnapshot(dir, content(2, 700, 20));
    const [older, newest] = (await snapshotFiles()).map((f) => join(dir, f)) as [string, string];
    await writeFile(newest, (await readFile(newest)).subarray(0, (await stat(newest)).size - 7));
    expect((await readLatestSnapshot(dir))?.position).toEqual({ segment: 1, offset: 500 });

    await writeFile(older, Buffer.from('not a snapshot at all, but long enough for a header'));
    expect(await readLatestSnapshot(dir)).toBeNull();
  });

  it('ignores a temporary file left by a crash mid-write', async () => {
    await writeSnapshot(dir, content(1, 500, 2));
    await writeFile(join(dir, 'snapshot-00000009-000000000000.bin.tmp'), Buffer.alloc(100));
    expect((await readLatestSnapshot(dir))?.position).toEqual({ segment: 1, offset: 500 });
  });

  it('builds on a base snapshot: the base events first, then the new ones', async () => {
    const all = entries(25_000);
    const base = await writeSnapshot(dir, { position: { segment: 1, offset: 100 }, createdAt: 1, events: all.slice(0, 21_000) });
    await writeSnapshot(dir, { position: { segment: 2, offset: 50 }, createdAt: 2, events: all.slice(21_000) }, { base });
    expect(await readLatestSnapshot(dir)).toEqual({ position: { segment: 2, offset: 50 }, createdAt: 2, events: all });
  });

  it('refuses to build on a damaged base, and leaves no new snapshot behind', async () => {
    const base = await writeSnapshot(dir, content(1, 500, 30));
    const path = join(dir, base);
    const bytes = await readFile(path);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0x01;
    await writeFile(path, bytes);
    await expect(writeSnapshot(dir, content(2, 700, 5), { base })).rejects.toBeInstanceOf(UnusableBaseSnapshot);
    await expect(writeSnapshot(dir, content(2, 700, 5), { base: 'snapshot-00000000-000000000001.bin' })).rejects.toBeInstanceOf(UnusableBaseSnapshot);
    expect(await readdir(dir)).toEqual([base]);
  });
});
