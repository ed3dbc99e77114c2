/** Timing and memory helpers for the benchmark. */
import { createWriteStream } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

/** Latency percentiles in milliseconds (nearest rank). */
export function percentiles(ms: readonly number[]): { p50: number; p99: number; max: number; n: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN, n: s.length };
}

/** Wall time, and the CPU time of this process (all its threads), which other processes on a shared machine disturb less. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

/** "CPU 12.3 s (45 us/event)" for a row's note. */
export const cpuNote = (cpuMs: number, events: number): string => `CPU ${(cpuMs / 1000).toFixed(1)} s (${((cpuMs * 1000) / events).toFixed(1)} us/event)`;

/** Heap in use after full collections; needs `node --expose-gc` (bench/run.ts restarts itself with it). */
export async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc to measure memory');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** Writes events as NDJSON, one per line, respecting the stream's backpressure; returns how many. */
export async function writeNdjson(file: string, events: Iterable<unknown>): Promise<number> {
  const out = createWriteStream(file);
  let n = 0;
  for (const e of events) {
    n++;
    if (!out.write(`${JSON.stringify(e)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return n;
}

/**
 * Watches garbage collections while timed questions run, then says how many of the slowest 1% of
 * those questions overlapped one: what a latency tail owes to the collector rather than the work.
 */
export function gcWatch(): { mark(started: number, ms: number): void; tail(): Promise<{ slowest: number; withGc: number; gcs: number; gcMs: number }> } {
  const gcs: { start: number; end: number }[] = [];
  const questions: { start: number; ms: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    mark: (started, ms) => questions.push({ start: started, ms }),
    tail: async () => {
      // GC entries reach observers on a later turn of the event loop.
      await new Promise((done) => setTimeout(done, 20));
      for (const e of observer.takeRecords()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
      observer.disconnect();
      const slowest = [...questions].sort((a, b) => b.ms - a.ms).slice(0, Math.max(1, Math.ceil(questions.length / 100)));
      const withGc = slowest.filter((q) => gcs.some((g) => g.start < q.start + q.ms && g.end > q.start)).length;
      return { slowest: slowest.length, withGc, gcs: gcs.length, gcMs: gcs.reduce((t, g) => t + g.end - g.start, 0) };
    },
  };
}
