/**
 * `ctxgraph serve` as a real process on a data directory: what was acknowledged survives
 * `kill -9`, one server per directory, and SIGTERM stops cleanly.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEvents } from '../support/events.js';
import { runCli, serve, STACK_LINE, useScratchDirs } from './support/cli.js';
import { graphAt, postEvents } from './support/http.js';

const AT = '2026-02-01T08:00:00Z';
const LATER = '2026-02-02T00:00:00Z';

const dirs = useScratchDirs();

describe('ctxgraph serve', () => {
  it('keeps every acknowledged event through kill -9 and a restart on the same data directory', { timeout: 90_000 }, async () => {
    const ev = createEvents({ source: 'e2e-cli' });
    const names = Array.from({ length: 12 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    const first = names.slice(0, 6).map((s) => ev.serviceUpserted(AT, { service: s, name: `${s} ✓` }));
    const second = [
      ...names.slice(6).map((s) => ev.serviceUpserted(AT, { service: s, name: `${s} ✓` })),
      ...names.slice(1).map((s, i) => ev.dependencyUpserted(AT, { from: names[i] as string, to: s, critical: i % 2 === 0 })),
    ];

    const a = await serve(dirs.dataDir);
    expect(await postEvents(a.url, first)).toEqual({ status: 200, body: { accepted: first.length, duplicates: 0 } });
    expect(await postEvents(a.url, second)).toEqual({ status: 200, body: { accepted: second.length, duplicates: 0 } });
    a.proc.child.kill('SIGKILL');
    expect((await a.proc.exited).signal).toBe('SIGKILL');

    const b = await serve(dirs.dataDir);
    const g = await graphAt(b.url, LATER);
    expect(g.services.map((s) => s.id).sort()).toEqual(names);
    expect(g.services.every((s) => s.name === `${s.id} ✓`)).toBe(true);
    expect(g.dependencies.map((d) => `${d.from}->${d.to}:${d.critical}`).sort()).toEqual(
      names.slice(1).map((s, i) => `${names[i]}->${s}:${i % 2 === 0}`).sort(),
    );
    // The same events again are recognised after the restart: the idempotency keys survived too.
    expect(await postEvents(b.url, first)).toEqual({ status: 200, body: { accepted: 0, duplicates: first.length } });
  });

  it('refuses a second server, and an offline ingest, on a data directory in use, naming the owner', { timeout: 90_000 }, async () => {
    const a = await serve(dirs.dataDir);

    const second = await runCli(['serve', '--port', '0', '--data-dir', dirs.dataDir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`in use by process ${a.proc.pid}`);
    expect(second.stderr).not.toMatch(STACK_LINE);

    const ingest = await runCli(['ingest', '--data-dir', dirs.dataDir, join(dirs.tmp, 'whatever.ndjson')]);
    expect(ingest.code).toBe(1);
    expect(ingest.stderr).toContain(`in use by process ${a.proc.pid}`);

    // The first server is untouched and still owns the directory.
    expect(await graphAt(a.url, LATER)).toEqual({ services: [], dependencies: [] });
    expect((await readFile(join(dirs.dataDir, 'LOCK'), 'utf8')).trim()).toBe(String(a.proc.pid));
  });

  it('says the port is taken, without a stack trace, and leaves the data directory unlocked', { timeout: 60_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const r = await runCli(['serve', '--port', String(port), '--data-dir', dirs.dataDir]);

      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`EADDRINUSE`);
      expect(r.stderr).toContain(String(port));
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(existsSync(join(dirs.dataDir, 'LOCK'))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('stops on SIGTERM with exit code 0 and releases the data directory', { timeout: 60_000 }, async () => {
    const a = await serve(dirs.dataDir);
    const ev = createEvents({ source: 'e2e-cli' });
    expect((await postEvents(a.url, [ev.serviceUpserted(AT, { service: 'web' })])).status).toBe(200);
    expect((await readFile(join(dirs.dataDir, 'LOCK'), 'utf8')).trim()).toBe(String(a.proc.pid));

    a.proc.child.kill('SIGTERM');
    const r = await a.proc.exited;

    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dirs.dataDir, 'LOCK'))).toBe(false);
  });
});
