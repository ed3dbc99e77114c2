/**
 * `ctxgraph why` as a real process against a running `ctxgraph serve`: the root cause as text, the
 * server's own message when the question is wrong, and flags checked before anything is asked.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEvents } from '../support/events.js';
import { type CliResult, runCli, serve, STACK_LINE, useScratchDirs } from './support/cli.js';

const T = Date.parse('2026-04-10T12:00:00Z');
const at = (min: number): string => new Date(T + min * 60_000).toISOString();

const dirs = useScratchDirs();

/** web -> api -> db: a deploy breaks api, web fails on it, and a pool resize on api comes after both. */
function scenario() {
  const ev = createEvents({ source: 'e2e-why' });
  return [
    ...['web', 'api', 'db'].map((s) => ev.serviceUpserted(at(-2880), { service: s })),
    ev.dependencyUpserted(at(-2880), { from: 'web', to: 'api' }),
    ev.dependencyUpserted(at(-2880), { from: 'api', to: 'db' }),
    ev.deployStarted(at(-20), { deploy: 'd-api-7', service: 'api', version: 'v7', previousVersion: 'v6' }),
    ev.alertFired(at(-15), { alert: 'a-api-err', service: 'api', signal: 'errors', severity: 'critical' }),
    ev.alertFired(at(-12), { alert: 'a-web-err', service: 'web', signal: 'errors', severity: 'critical', dependency: 'api' }),
    ev.configChanged(at(-3), { change: 'c-api-pool', service: 'api', key: 'pool.size', value: 40 }),
    ev.incidentOpened(at(0), { incident: 'inc-42', services: ['web'] }),
  ];
}

describe('ctxgraph why', () => {
  it('prints the cause with its chain hop by hop, what was failing and what was ruled out', async () => {
    const server = await serve(dirs.dataDir);
    const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify(scenario()) });
    expect(res.status).toBe(200);

    const r = await runCli(['why', 'inc-42', '--url', server.url, '--limit', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`inc-42: read at ${at(0)}, first symptom at ${at(-12)}, changes since ${at(-7 * 1440)}`);
    expect(lines).toContain(`  ${at(-15)}  api (errors; reported by web)`);
    expect(lines.find((l) => /^1\. /.test(l))).toMatch(/^1\. deploy d-api-7 \(in api\), confidence \d+%$/);
    expect(lines).toContain('   deploy d-api-7 -> api');
    expect(lines).toContain('   api -> web');
    expect(lines).toContain(`     web reported failing calls to api from ${at(-12)}`);
    expect(lines).toContain('Ruled out (1):');
    expect(r.stdout).toContain(`config change c-api-pool on api at ${at(-3)} came after the first symptom began at ${at(-12)}`);

    // Ad hoc, from the symptom services and an instant.
    const adHoc = await runCli(['why', '--services', 'web', '--at', at(0), '--url', server.url]);
    expect(adHoc.code).toBe(0);
    expect(adHoc.stdout.split('\n')[0]).toBe(`ad-hoc:web@${at(0)}: read at ${at(0)}, first symptom at ${at(-12)}, changes since ${at(-7 * 1440)}`);

    // A wrong question is answered with the server's message and exit code 1.
    const unknown = await runCli(['why', 'inc-nope', '--url', server.url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('names no incident known to ctxgraph: "inc-nope"');
    expect(unknown.stderr).not.toMatch(STACK_LINE);
  });

  it('sends CTXGRAPH_TOKEN to a server that closes anonymous reads', async () => {
    const tokens = join(dirs.tmp, 'tokens.json');
    await writeFile(tokens, JSON.stringify([{ token: 'sre-token-0123456789', id: 'alice', role: 'human' }]));
    const server = await serve(dirs.dataDir, { CTXGRAPH_TOKENS_FILE: tokens, CTXGRAPH_ANONYMOUS_READ: 'false' });
    await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify(scenario()) });

    const anonymous = await runCli(['why', 'inc-42', '--url', server.url]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('ctxgraph why: this server needs an API token (Authorization: Bearer <token>) to read');
    const withToken = await runCli(['why', 'inc-42', '--url', server.url], { CTXGRAPH_TOKEN: 'sre-token-0123456789' });
    expect(withToken.code).toBe(0);
    expect(withToken.stdout).toContain('1. deploy d-api-7 (in api)');
  });

  it('checks its flags before asking anything, and says when the server cannot be reached', async () => {
    const [none, both, badLimit, atAlone, unreachable] = await Promise.all([
      runCli(['why']),
      runCli(['why', 'inc-1', '--services', 'web']),
      runCli(['why', 'inc-1', '--limit', 'many']),
      runCli(['why', 'inc-1', '--at', at(0)]),
      runCli(['why', 'inc-1', '--url', 'http://127.0.0.1:1']),
    ]);
    const expected: [CliResult, number, string][] = [
      [none, 2, 'why takes one INCIDENT, or --services A,B (not both)'],
      [both, 2, 'why takes one INCIDENT, or --services A,B (not both)'],
      [badLimit, 2, '--limit must be a whole number from 1 to 50, not "many"'],
      [atAlone, 2, '--at goes with --services'],
      [unreachable, 1, 'ctxgraph why: cannot ask http://127.0.0.1:1/graphql'],
    ];
    for (const [r, code, message] of expected) expect([r.code, r.stderr.includes(message)]).toEqual([code, true]);
    expect(unreachable.stderr).not.toMatch(STACK_LINE);
  });
});
