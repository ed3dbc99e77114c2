/**
 * Runs the real command line as a child process, as a user would: `node --import tsx src/cli.ts`,
 * from the repository root, with an environment stripped of anything that would pick another
 * store or start Kafka. Every child is remembered so that `killChildren` can end it after a test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Long enough for a cold start on a busy machine; a hang still fails instead of blocking the run. */
const WAIT_MS = 25_000;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` on stdout; rejects if the process exits first. */
  waitForStdout(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves once the process has exited (immediately if it already has). */
  readonly exited: Promise<CliResult>;
}

const children = new Set<ChildProcess>();

/** The parent's environment without the settings that select services, plus `env`. */
export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(CTXGRAPH_|NEO4J_|KAFKA_|REDIS_URL$|LOG_LEVEL$)/.test(k)),
  );
  return { ...clean, LOG_LEVEL: 'warn', ...env };
}

export function spawnCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<CliResult>((resolve) => {
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  const describe = (): string => `\`ctxgraph ${args.join(' ')}\`\nstdout: ${out}\nstderr: ${err}`;
  return {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout(re, timeoutMs = WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = re.exec(out);
          if (m) finish(() => resolve(m));
        };
        const finish = (f: () => void): void => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          f();
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${re} within ${timeoutMs} ms from ${describe()}`))), timeoutMs);
        child.stdout?.on('data', check);
        void exited.then(() => finish(() => reject(new Error(`exited before printing ${re}: ${describe()}`))));
        check();
      });
    },
  };
}

/** Runs a command to its end. */
export async function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = WAIT_MS): Promise<CliResult> {
  const p = spawnCli(args, env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const r = await p.exited;
  clearTimeout(timer);
  return r;
}

export interface Server {
  proc: CliProcess;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
}

/** `ctxgraph serve` on a free port; resolves once it prints where it serves. */
export async function serve(dataDir: string, env: Record<string, string> = {}): Promise<Server> {
  const proc = spawnCli(['serve', '--port', '0', '--data-dir', dataDir], env);
  const m = await proc.waitForStdout(/ctxgraph is serving (http:\/\/\S+?)\/graphql/);
  return { proc, url: m[1] as string };
}

/** Kills every child still running (for afterEach) and waits for each to go. */
export async function killChildren(): Promise<void> {
  const live = [...children];
  await Promise.all(
    live.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('close', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/** Lines that only a stack trace prints: a clear message to a user has none. */
export const STACK_LINE = /^\s+at .+[:(]/m;

/**
 * A fresh temporary directory per test (`tmp`, with `dataDir` inside it, not yet created); after
 * each test every spawned CLI is killed and the directory removed.
 */
export function useScratchDirs(): { readonly tmp: string; readonly dataDir: string } {
  let tmp = '';
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ctxgraph-cli-'));
  });
  afterEach(async () => {
    await killChildren();
    await rm(tmp, { recursive: true, force: true });
  });
  return {
    get tmp() {
      return tmp;
    },
    get dataDir() {
      return join(tmp, 'data');
    },
  };
}
