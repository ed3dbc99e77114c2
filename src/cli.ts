/**
 * The command line: `start` (demo), `serve`, `ingest`, `why`, `audit:verify`. Flags are parsed with
 * node:util's parseArgs and checked; a bad flag says which and why, and exits 2.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type ConfigOverrides } from './config.js';
import { runAuditVerify } from './control/audit-verify-command.js';
import { RemoteSinkError } from './ingest/remote.js';
import { createLogger } from './logger.js';
import { DataDirInUseError } from './store/memory/dir-lock.js';

const USAGE = `usage:
  ctxgraph start                                   serve at http://127.0.0.1:4000/graphql with the demo data
  ctxgraph serve [--port P] [--host H] [--data-dir D]   serve an embedded store kept in D (no demo)
  ctxgraph ingest [--data-dir D | --url URL] [--check] [--workers N] FILE...
                                                   load NDJSON or JSON-array files (into D, or POST to a running server);
                                                   large NDJSON files use N worker threads (default: cores - 1, 1 to 4; 0: none)
  ctxgraph why INCIDENT [--url URL] [--limit N]    the root cause of an incident, asked of a running server
  ctxgraph why --services A,B [--at T] [--url URL] the same, ad hoc, for symptom services at an instant
                                                   (URL default http://127.0.0.1:4000; N candidates, 1 to 50, default 3;
                                                   CTXGRAPH_TOKEN is sent as the bearer token when set)
  ctxgraph audit:verify [--audit-file F] [--audit-key K]   verify the signed, hash-chained audit log`;

function fail(message: string): never {
  console.error(`ctxgraph: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** Failures a user can fix (a busy directory, a missing file, a port taken): a message, not a stack. */
function isUserError(e: unknown): e is Error {
  if (e instanceof DataDirInUseError || e instanceof RemoteSinkError) return true;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return e instanceof Error && typeof code === 'string' && ['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EADDRINUSE', 'EADDRNOTAVAIL'].includes(code);
}

function parseUrl(v: string): string {
  let url: URL | null = null;
  try {
    url = new URL(v);
  } catch {
    // reported below
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') fail(`--url must be an http:// or https:// URL, not ${JSON.stringify(v)}`);
  return url.href;
}

function parsePort(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`--port must be a whole number from 0 to 65535, not ${JSON.stringify(v)}`);
  return n;
}

function parseWorkers(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 64) fail(`--workers must be a whole number from 0 to 64, not ${JSON.stringify(v)}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: command === 'ingest' || command === 'why',
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        url: { type: 'string' },
        check: { type: 'boolean' },
        workers: { type: 'string' },
        services: { type: 'string' },
        at: { type: 'string' },
        limit: { type: 'string' },
        'audit-file': { type: 'string' },
        'audit-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return;
  }
  const overrides: ConfigOverrides = {};
  const port = parsePort(values.port);
  if (port !== undefined) overrides.port = port;
  if (values.host !== undefined) overrides.host = values.host;
  if (values['data-dir'] !== undefined) overrides.dataDir = values['data-dir'];
  const loaded = loadConfig(undefined, overrides);
  if (!loaded.ok) fail(`configuration is invalid:\n  ${loaded.errors.join('\n  ')}`);
  const config = loaded.config;
  const logger = createLogger(config.logLevel);

  switch (command) {
    case 'start':
    case 'serve': {
      // main.js is loaded only once the flags are known good, so that a mistake is answered at once.
      const { startApp } = await import('./main.js');
      const app = await startApp({ config, logger, demo: command === 'start' });
      console.log(`ctxgraph is serving ${app.url}/graphql`);
      return;
    }
    case 'ingest': {
      if (positionals.length === 0) fail('ingest needs at least one FILE');
      if (values.url !== undefined && values['data-dir'] !== undefined) fail('ingest takes --data-dir or --url, not both');
      const url = values.url === undefined ? undefined : parseUrl(values.url);
      const workers = parseWorkers(values.workers);
      const { runIngest } = await import('./main.js');
      const ok = await runIngest({ config, logger, files: positionals, url, checkOnly: values.check === true, ...(workers !== undefined ? { workers } : {}) });
      process.exitCode = ok ? 0 : 1;
      return;
    }
    case 'why': {
      const services = values.services?.split(',').map((x) => x.trim()).filter((x) => x !== '');
      if ((positionals.length === 1) === (services !== undefined)) fail('why takes one INCIDENT, or --services A,B (not both)');
      if (positionals.length > 1) fail(`why takes one INCIDENT, got ${positionals.length}`);
      if (services?.length === 0) fail('--services must name at least one service');
      if (values.at !== undefined && services === undefined) fail('--at goes with --services: an incident is read as it was when it opened');
      const limit = values.limit === undefined ? 3 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 50) fail(`--limit must be a whole number from 1 to 50, not ${JSON.stringify(values.limit)}`);
      const { runWhy } = await import('./api/why-command.js');
      const url = values.url === undefined ? `http://127.0.0.1:${config.http.port}` : parseUrl(values.url);
      process.exitCode = await runWhy({ url, limit, ...(config.token !== null ? { token: config.token } : {}), ...(services === undefined ? { incident: positionals[0] as string } : { services, ...(values.at !== undefined ? { at: values.at } : {}) }) });
      return;
    }
    case 'audit:verify': {
      // CTXGRAPH_AUDIT_FILE and CTXGRAPH_AUDIT_KEY_FILE when set, else under the data directory.
      const paths = config.control;
      process.exitCode = await runAuditVerify({ auditFile: values['audit-file'] ?? paths.auditFile, auditKeyFile: values['audit-key'] ?? paths.auditKeyFile });
      return;
    }
    default:
      fail(`unknown command ${JSON.stringify(command)}`);
  }
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  if (!isUserError(e)) throw e;
  console.error(`ctxgraph: ${e.message}`);
  process.exit(1);
}
