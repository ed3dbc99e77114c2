/**
 * Mistakes on the command line and in the environment: each is answered with exit code 2 and a
 * message that names what is wrong, before anything is opened or served.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killChildren, runCli, STACK_LINE } from './support/cli.js';

afterEach(killChildren);

describe('ctxgraph flags and environment', () => {
  it('rejects a port that is not a number, naming --port', async () => {
    const r = await runCli(['serve', '--port', 'abc']);

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port .*"abc"/);
    expect(r.stderr).toContain('usage:');
    expect(r.stdout).not.toContain('serving');
  });

  it('rejects an unknown command and an unknown flag, naming them', async () => {
    const [command, flag] = await Promise.all([runCli(['frobnicate']), runCli(['serve', '--prot', '4000'])]);

    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "frobnicate"');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--prot');
  });

  it('lists every bad environment variable at once', async () => {
    const r = await runCli(['serve'], { CTXGRAPH_PORT: 'abc', NEO4J_URI: 'http://x', REDIS_URL: 'localhost:6379' });

    expect(r.code).toBe(2);
    for (const name of ['CTXGRAPH_PORT', 'NEO4J_URI', 'REDIS_URL']) expect(r.stderr).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('asks ingest for a file, for one target, for an http URL and for a worker count', async () => {
    const [noFile, both, badUrl, badWorkers] = await Promise.all([
      runCli(['ingest', '--data-dir', '/tmp/unused']),
      runCli(['ingest', '--data-dir', '/tmp/unused', '--url', 'http://127.0.0.1:1', 'x.ndjson']),
      runCli(['ingest', '--url', 'localhost:4000', 'x.ndjson']),
      runCli(['ingest', '--workers', 'two', 'x.ndjson']),
    ]);

    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('at least one FILE');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--data-dir or --url, not both');
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--url must be an http:// or https:// URL');
    expect(badWorkers.code).toBe(2);
    expect(badWorkers.stderr).toMatch(/--workers .*"two"/);
  });
});
