/**
 * `ctxgraph ingest` as a real process: into a data directory that a later `serve` reads, into a
 * running server with --url, and --check that reports every problem by file and line.
 */
import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateProduction } from '../../bench/generate.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';
import { runCli, serve, STACK_LINE, useScratchDirs } from './support/cli.js';
import { graphAt } from './support/http.js';

const AT = '2026-02-01T08:00:00Z';
const LATER = '2026-02-02T00:00:00Z';
const END = '2030-01-01T00:00:00Z';

const dirs = useScratchDirs();

/** web -> api -> db as NDJSON. */
async function topologyFile(): Promise<string> {
  const ev = createEvents({ source: 'e2e-ingest' });
  const events = [
    ...['web', 'api', 'db'].map((s) => ev.serviceUpserted(AT, { service: s })),
    ev.dependencyUpserted(AT, { from: 'web', to: 'api' }),
    ev.dependencyUpserted(AT, { from: 'api', to: 'db', critical: false }),
  ];
  const path = join(dirs.tmp, 'topology.ndjson');
  await writeFile(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return path;
}

const edges = (g: { dependencies: { from: string; to: string; critical: boolean }[] }): string[] =>
  g.dependencies.map((d) => `${d.from}->${d.to}:${d.critical}`).sort();

describe('ctxgraph ingest', () => {
  it('loads a file into a data directory that serve then shows', { timeout: 60_000 }, async () => {
    const file = await topologyFile();

    const r = await runCli(['ingest', '--data-dir', dirs.dataDir, file]);

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ingested: 5 accepted, 0 duplicates');
    const s = await serve(dirs.dataDir);
    const g = await graphAt(s.url, LATER);
    expect(g.services.map((x) => x.id).sort()).toEqual(['api', 'db', 'web']);
    expect(edges(g)).toEqual(['api->db:false', 'web->api:true']);
  });

  it('loads a large NDJSON file on worker threads, with progress, into a directory that serve then shows', { timeout: 120_000 }, async () => {
    // Above the 8 MiB from which the file door uses worker threads.
    const { topology, events } = generateProduction({ seed: 3, services: 300, dependencies: 1_200, events: 36_000, days: 3 });
    const file = join(dirs.tmp, 'history.ndjson');
    await writeFile(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    expect((await stat(file)).size).toBeGreaterThan(8 << 20);

    const r = await runCli(['ingest', '--workers', '2', '--data-dir', dirs.dataDir, file]);

    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ingested: ${events.length} accepted, 0 duplicates`);
    expect(r.stderr).toMatch(/history\.ndjson: 100\.0% · 36000 events/);
    // The same events through the pipeline in this process say what serve must show.
    const { store } = await EmbeddedStore.open({ dataDir: null });
    await createPipeline({ store }).ingest(events);
    const expected = await store.graphAt({ at: Date.parse(END), knownAt: END_OF_TIME });
    const s = await serve(dirs.dataDir);
    const g = await graphAt(s.url, END);
    expect(g.services.map((x) => x.id).sort()).toEqual(expected.services.map((x) => x.id).sort());
    expect(g.services.length).toBeGreaterThan(topology.services.length / 2);
    expect(edges(g)).toEqual(edges(expected));
  });

  it('sends a file to a running server with --url; a second run counts duplicates', { timeout: 60_000 }, async () => {
    const file = await topologyFile();
    const s = await serve(dirs.dataDir);

    const first = await runCli(['ingest', '--url', s.url, file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('ingested: 5 accepted, 0 duplicates');
    expect(edges(await graphAt(s.url, LATER))).toEqual(['api->db:false', 'web->api:true']);

    const again = await runCli(['ingest', '--url', s.url, file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('ingested: 0 accepted, 5 duplicates');
  });

  it('--check reports every invalid event as file:line: path: message, exits 1 and creates no data directory', { timeout: 60_000 }, async () => {
    const ev = createEvents({ source: 'e2e-ingest' });
    const lines = [
      JSON.stringify(ev.serviceUpserted(AT, { service: 'web' })),
      JSON.stringify(ev.serviceUpserted(AT, { service: 'api', tier: 7 })),
      '',
      '{"specversion":',
      JSON.stringify({ ...ev.serviceUpserted(AT, { service: 'db' }), time: 'noon' }),
    ];
    const bad = join(dirs.tmp, 'bad.ndjson');
    await writeFile(bad, lines.join('\n') + '\n');

    const r = await runCli(['ingest', '--check', bad], { CTXGRAPH_DATA_DIR: dirs.dataDir });

    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${escape(bad)}:2: data\\.tier: .+`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^${escape(bad)}:4: \\(line\\): not valid JSON`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^${escape(bad)}:5: time: .+`, 'm'));
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(dirs.dataDir)).toBe(false);
  });

  it('--check on valid files exits 0 and says so', { timeout: 60_000 }, async () => {
    const r = await runCli(['ingest', '--check', await topologyFile()], { CTXGRAPH_DATA_DIR: dirs.dataDir });

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 file(s) valid');
    expect(existsSync(dirs.dataDir)).toBe(false);
  });

  it('names a missing file without a stack trace', { timeout: 60_000 }, async () => {
    const missing = join(dirs.tmp, 'nope.ndjson');
    const r = await runCli(['ingest', '--data-dir', dirs.dataDir, missing]);

    expect(r.code).toBe(1);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('says which server it could not reach with --url', { timeout: 60_000 }, async () => {
    const port = await closedPort();
    const r = await runCli(['ingest', '--url', `http://127.0.0.1:${port}`, await topologyFile()]);

    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`could not reach http://127.0.0.1:${port}/v1/events`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});

/** A loopback port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
