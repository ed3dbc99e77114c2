/**
 * A snapshot file of format 2 (the current one, written by its code) loads, whole and as the base
 * of a newer one: `snapshot-v2/` holds one, and what it holds. Kept as it is when the format
 * changes, so that a new build still reads what an older one left on disk.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Fact } from '../../src/model/facts.js';
import { readLatestSnapshot, writeSnapshot } from '../../src/store/memory/snapshot.js';

const FIXTURE = join(import.meta.dirname, 'snapshot-v2');
const NAME = 'snapshot-00000001-000000004242.bin';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxgraph-snap-v2-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expected = async (): Promise<[string, Fact[]][]> => JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8')) as [string, Fact[]][];

describe('a format-2 snapshot', () => {
  it('loads with every event and fact as written', async () => {
    await cp(join(FIXTURE, NAME), join(dir, NAME));
    const snap = await readLatestSnapshot(dir);
    expect(snap?.position).toEqual({ segment: 1, offset: 4242 });
    expect(snap?.createdAt).toBe(1780000000000);
    expect(snap?.events).toEqual(await expected());
  });

  it('serves as the base of a new snapshot, which holds its events and then the new ones', async () => {
    await cp(join(FIXTURE, NAME), join(dir, NAME));
    const old = await expected();
    const later = old.slice(0, 3).map(([key, facts]): [string, Fact[]] => [`later-${key}`, facts.map((f) => ({ ...f, key: `later-${key}` }))]);
    await writeSnapshot(dir, { position: { segment: 2, offset: 8 }, createdAt: 1780000001000, events: later }, { base: NAME });
    const snap = await readLatestSnapshot(dir);
    expect(snap?.position).toEqual({ segment: 2, offset: 8 });
    expect(snap?.events).toEqual([...old, ...later]);
  });
});
