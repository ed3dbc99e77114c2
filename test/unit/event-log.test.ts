import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../schema/events.js';
import { LogCorruptionError, type LoggedBatch, type LogPosition, type OpenLogOptions, openEventLog, RECORD_HEADER_BYTES, sealRecord } from '../../src/store/memory/event-log.js';

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'ctxgraph-log-')), 'log');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

const event = (i: number): CloudEvent => ({
  specversion: '1.0',
  id: `e${i}`,
  source: 'test',
  type: 'service.upserted',
  time: '2026-01-01T00:00:00Z',
  data: { service: `svc-${i}`, team: 'ünïcode ✓' },
});

/** Batch n holds events n*10 .. n*10+size-1. */
const batch = (n: number, size = 3): LoggedBatch => ({
  recordedAt: 1_700_000_000_000 + n,
  events: Array.from({ length: size }, (_, i) => event(n * 10 + i)),
});

const segment1 = () => join(dir, '00000001.seg');

/** Opens the log, collecting what it replays. */
async function reopen(options: Omit<OpenLogOptions, 'onBatch'> = {}) {
  const replayed: LoggedBatch[] = [];
  const result = await openEventLog(dir, { ...options, onBatch: (b) => replayed.push(b) });
  return { ...result, replayed };
}

/** Writes batches 1..n into a fresh log and returns the position after each. */
async function writeBatches(n: number, options: Omit<OpenLogOptions, 'onBatch'> = {}): Promise<LogPosition[]> {
  const { log } = await reopen(options);
  const positions: LogPosition[] = [];
  for (let i = 1; i <= n; i++) positions.push(await log.append(batch(i)));
  await log.close();
  return positions;
}

async function flipByte(file: string, at: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[at] = (bytes[at] as number) ^ 0xff;
  await writeFile(file, bytes);
}

describe('event log', () => {
  it('writes a group of batches as one record each, and a torn group keeps the records before the tear', async () => {
    const { log } = await reopen();
    await log.append(batch(1));
    const afterOne = (await stat(segment1())).size;
    const end = await log.appendMany([batch(2), batch(3, 5), batch(4)]);
    await log.close();
    expect(end).toEqual({ segment: 1, offset: (await stat(segment1())).size });
    expect((await reopen()).replayed).toEqual([batch(1), batch(2), batch(3, 5), batch(4)]);

    // A crash part-way through the group's write: the batches wholly written stay, each whole.
    const size = (await stat(segment1())).size;
    await truncate(segment1(), afterOne + Math.floor((size - afterOne) * 0.6));
    const torn = await reopen();
    expect(torn.replayed).toEqual([batch(1), batch(2), batch(3, 5)].slice(0, torn.replayed.length));
    expect(torn.replayed.length).toBeGreaterThanOrEqual(2);
    expect(torn.droppedTail?.bytes).toBeGreaterThan(0);
    await torn.log.close();
  });

  it('writes sealed records as they are among plain batches, in order, and refuses bytes that are not one', async () => {
    const sealed = (b: LoggedBatch): Buffer => {
      const json = Buffer.from(JSON.stringify(b), 'utf8');
      const record = Buffer.alloc(RECORD_HEADER_BYTES + json.length);
      json.copy(record, RECORD_HEADER_BYTES);
      return sealRecord(record);
    };
    const { log } = await reopen();
    await log.appendMany([sealed(batch(1)), batch(2), batch(3), sealed(batch(4, 5)), sealed(batch(5)), batch(6)]);
    await expect(log.appendMany([batch(7), Buffer.from(JSON.stringify(batch(8)))])).rejects.toThrow('not a sealed log record');
    await log.close();
    expect((await reopen()).replayed).toEqual([batch(1), batch(2), batch(3), batch(4, 5), batch(5), batch(6)]);
  });

  it('creates its directory and replays every appended batch, in order, after a reopen', async () => {
    const positions = await writeBatches(3);
    const { log, replayed, replayedBatches, droppedTail } = await reopen();
    expect(replayed).toEqual([batch(1), batch(2), batch(3)]);
    expect(replayedBatches).toBe(3);
    expect(droppedTail).toBeNull();
    expect(log.position()).toEqual(positions[2]);
    await log.close();
  });

  it('refuses to open when a record in the middle is damaged, naming the segment and offset, and leaves the file alone', async () => {
    const positions = await writeBatches(3);
    const secondStarts = (positions[0] as LogPosition).offset;
    await flipByte(segment1(), secondStarts + 20);
    const sizeBefore = (await stat(segment1())).size;

    const opening = reopen();
    await expect(opening).rejects.toBeInstanceOf(LogCorruptionError);
    await expect(opening).rejects.toThrow(`00000001.seg at byte ${secondStarts}: record fails its checksum`);
    expect((await stat(segment1())).size).toBe(sizeBefore);
  });

  it('cuts off a record torn at the tail, keeps the earlier ones, and appends after the cut', async () => {
    const positions = await writeBatches(3);
    const tornAt = (positions[1] as LogPosition).offset;
    const cutTo = tornAt + 30;
    await truncate(segment1(), cutTo);

    const first = await reopen();
    expect(first.replayed).toEqual([batch(1), batch(2)]);
    expect(first.droppedTail).toEqual({ segment: 1, offset: tornAt, bytes: 30 });
    expect(first.log.position()).toEqual(positions[1]);
    await first.log.append(batch(4));
    await first.log.close();

    const second = await reopen();
    expect(second.replayed).toEqual([batch(1), batch(2), batch(4)]);
    expect(second.droppedTail).toBeNull();
    await second.log.close();
  });

  it('drops a last record whose checksum fails when it ends exactly at the end of the file', async () => {
    const positions = await writeBatches(3);
    await flipByte(segment1(), (positions[1] as LogPosition).offset + 12);
    const { replayed, droppedTail, log } = await reopen();
    expect(replayed).toEqual([batch(1), batch(2)]);
    expect(droppedTail?.offset).toBe((positions[1] as LogPosition).offset);
    await log.close();
  });

  it('drops a partially written record header at the tail', async () => {
    const positions = await writeBatches(2);
    await appendFile(segment1(), Buffer.from([0x10, 0x00, 0x00]));
    const { replayed, droppedTail, log } = await reopen();
    expect(replayed).toEqual([batch(1), batch(2)]);
    expect(droppedTail).toEqual({ segment: 1, offset: (positions[1] as LogPosition).offset, bytes: 3 });
    expect((await stat(segment1())).size).toBe((positions[1] as LogPosition).offset);
    await log.close();
  });

  it('drops zero-filled blocks left at the tail by a crash', async () => {
    await writeBatches(2);
    await appendFile(segment1(), Buffer.alloc(4096));
    const { replayed, droppedTail, log } = await reopen();
    expect(replayed).toEqual([batch(1), batch(2)]);
    expect(droppedTail?.bytes).toBe(4096);
    await log.close();
  });

  it('rolls to a new segment when the next record would pass segmentBytes, and replays across segments', async () => {
    const segmentBytes = 1200;
    const positions = await writeBatches(8, { segmentBytes });
    const files = (await readdir(dir)).sort();
    expect(files.length).toBeGreaterThan(2);
    expect(files[0]).toBe('00000001.seg');
    for (const f of files) expect((await stat(join(dir, f))).size).toBeLessThanOrEqual(segmentBytes);
    expect(positions.map((p) => p.segment)).toEqual([...positions.map((p) => p.segment)].sort((a, b) => a - b));

    const { replayed, log } = await reopen({ segmentBytes });
    expect(replayed).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => batch(n)));
    await log.close();
  });

  it('treats a torn record at the end of an earlier segment as corruption', async () => {
    await writeBatches(8, { segmentBytes: 1200 });
    const size = (await stat(segment1())).size;
    await truncate(segment1(), size - 5);
    await expect(reopen({ segmentBytes: 1200 })).rejects.toThrow(/00000001\.seg at byte \d+: record of \d+ bytes runs past the end/);
  });

  it('replays only the records after `from`, also across segments', async () => {
    const positions = await writeBatches(8, { segmentBytes: 1200 });
    const third = positions[2] as LogPosition;
    const { replayed, replayedBatches, log } = await reopen({ segmentBytes: 1200, from: third });
    expect(replayed).toEqual([4, 5, 6, 7, 8].map((n) => batch(n)));
    expect(replayedBatches).toBe(5);
    await log.close();

    const atEnd = await reopen({ segmentBytes: 1200, from: positions[7] as LogPosition });
    expect(atEnd.replayed).toEqual([]);
    await atEnd.log.append(batch(9));
    await atEnd.log.close();
    const after = await reopen({ segmentBytes: 1200, from: positions[7] as LogPosition });
    expect(after.replayed).toEqual([batch(9)]);
    await after.log.close();
  });

  it('refuses a `from` position past the end of the log', async () => {
    const positions = await writeBatches(2);
    const last = positions[1] as LogPosition;
    await expect(reopen({ from: { segment: 1, offset: last.offset + 100 } })).rejects.toThrow(/past the end of the segment/);
  });
});
