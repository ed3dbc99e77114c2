/**
 * The control bench's graph: a seeded production of `services` and `dependencies` with three days
 * of deploys, config changes and alerts, loaded as if first seen four days ago (its calls were
 * discovered over those days). bench/control.ts and bench/rca/dense-profile.ts both measure on it.
 *
 * @example
 * const { topology } = await loadControlGraph(pipeline, 10_000, 50_000);
 */
import type { Pipeline } from '../src/ingest/pipeline.js';
import { generate } from './generate.js';

export async function loadControlGraph(pipeline: Pipeline, services: number, dependencies: number): Promise<ReturnType<typeof generate>> {
  const gen = generate({ seed: 11, services, dependencies, events: services + dependencies + 20_000, days: 3, start: Date.now() - 4 * 86_400_000 });
  let batch: unknown[] = [];
  const flush = async (): Promise<void> => {
    const r = await pipeline.ingest(batch);
    if (!r.ok) throw new Error(JSON.stringify(r.errors.slice(0, 3)));
    batch = [];
  };
  for (const e of gen.events) {
    batch.push(e);
    if (batch.length === 5000) await flush();
  }
  if (batch.length > 0) await flush();
  return gen;
}
