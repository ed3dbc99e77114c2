/**
 * Small hand-built scenarios for the root-cause rules, loaded into the real embedded store through
 * the real pipeline. Times are minutes relative to T (the incident's opening).
 */
import { rootCause } from '../../src/analysis/root-cause.js';
import type { RootCauseAnalysis } from '../../src/analysis/root-cause-types.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';

export const T = Date.parse('2026-04-10T12:00:00Z');
const at = (min: number): string => new Date(T + min * 60_000).toISOString();

export class Scenario {
  readonly events: unknown[] = [];
  private n = 0;
  private e(type: string, min: number, data: Record<string, unknown>): this {
    this.events.push({ specversion: '1.0', id: `e${++this.n}`, source: 'test', type, time: at(min), data });
    return this;
  }
  /** Services and their calls, all valid from `min` (two days before T unless given). */
  graph(calls: Record<string, string[]>, kinds: Record<string, string> = {}, min = -1440 * 2): this {
    const ids = new Set(Object.entries(calls).flatMap(([f, ts]) => [f, ...ts]));
    for (const s of ids) this.e('service.upserted', min, { service: s, ...(kinds[s] ? { kind: kinds[s] } : {}) });
    for (const [f, ts] of Object.entries(calls)) for (const t of ts) this.e('dependency.upserted', min, { from: f, to: t });
    return this;
  }
  deploy(id: string, service: string, min: number): this {
    return this.e('deploy.started', min, { deploy: id, service, version: `${id}-v2`, previousVersion: `${id}-v1` });
  }
  rollback(id: string, min: number): this {
    return this.e('deploy.finished', min, { deploy: id, status: 'rolled_back' });
  }
  config(id: string, service: string, min: number, extra: Record<string, unknown> = {}): this {
    return this.e('config.changed', min, { change: id, service, key: 'client.timeoutMs', value: 100, previousValue: 1000, ...extra });
  }
  alert(id: string, service: string, signal: string, min: number, extra: Record<string, unknown> = {}): this {
    return this.e('alert.fired', min, { alert: id, service, signal, severity: 'critical', ...extra });
  }
  resolve(id: string, min: number): this {
    return this.e('alert.resolved', min, { alert: id });
  }
  dependency(from: string, to: string, min: number, extra: Record<string, unknown> = {}): this {
    return this.e('dependency.upserted', min, { from, to, ...extra });
  }
  removeDependency(from: string, to: string, min: number): this {
    return this.e('dependency.removed', min, { from, to });
  }
  link(verdict: 'confirmed' | 'rejected', cause: { kind: string; id: string }, effect: { kind: string; id: string }, min: number): this {
    return this.e(`causal.${verdict}`, min, { cause, effect });
  }
  incident(id: string, services: string[], min = 0): this {
    return this.e('incident.opened', min, { incident: id, services });
  }

  async store(events: readonly unknown[] = this.events): Promise<EmbeddedStore> {
    const { store } = await EmbeddedStore.open({ dataDir: null });
    const r = await createPipeline({ store }).ingest(events);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return store;
  }

  /** Ingests the scenario and asks for the incident's root cause. */
  async analyse(incident = 'inc'): Promise<RootCauseAnalysis> {
    const r = await rootCause(await this.store(), { incident, limit: 10 });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return r.analysis;
  }
}

export const causes = (a: RootCauseAnalysis): string[] => a.candidates.map((c) => `${c.cause.kind}:${c.cause.id}`);
export const chainIds = (a: RootCauseAnalysis, rank = 1): string[] => (a.candidates[rank - 1]?.chain ?? []).map((r) => `${r.kind}:${r.id}`);
