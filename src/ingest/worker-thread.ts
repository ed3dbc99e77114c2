/**
 * Starts a worker thread from a module next to the caller. Built code runs the `.js` file as it
 * is; under tsx (development, tests) the worker is a `.ts` file, which a worker thread on Node 20
 * cannot load without registering tsx in that thread first.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(module: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, options);
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

/** The module `name` beside `from` (an `import.meta.url`), with the extension `from` has. */
export function besideThis(from: string, name: string): URL {
  const ext = from.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, from);
}
