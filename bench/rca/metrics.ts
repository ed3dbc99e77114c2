/** Top-k, MRR, chain accuracy, latency percentiles and calibration over scored cases. */
import type { EntityRef } from '../../schema/events.js';

export interface Scored {
  group: Record<string, string>;
  method: string;
  /** 1-based rank of the label at entity granularity (null: not ranked). */
  entityRank: number | null;
  serviceRank: number | null;
  chainOk: boolean | null;
  confidence: number | null;
  ms: number | null;
}

export interface Summary {
  n: number;
  top1: number;
  top3: number;
  mrr: number;
  serviceTop1: number;
  serviceTop3: number;
  serviceMrr: number;
  chain: number | null;
  p50ms: number | null;
  p99ms: number | null;
}

export const sameRef = (a: EntityRef, b: EntityRef): boolean => a.kind === b.kind && a.id === b.id;

export function rankOf<T>(list: readonly T[], match: (x: T) => boolean): number | null {
  const i = list.findIndex(match);
  return i < 0 ? null : i + 1;
}

/** The rank of a service when a list of causes is read at service granularity (first mention). */
export function serviceRankOf(services: readonly string[], label: string): number | null {
  const seen: string[] = [];
  for (const s of services) {
    if (seen.includes(s)) continue;
    seen.push(s);
    if (s === label) return seen.length;
  }
  return null;
}

export function percentile(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
}

export function summarise(rows: readonly Scored[]): Summary {
  const n = rows.length;
  const frac = (f: (r: Scored) => boolean): number => (n === 0 ? 0 : rows.filter(f).length / n);
  const mrr = (k: (r: Scored) => number | null): number => (n === 0 ? 0 : rows.reduce((a, r) => a + (k(r) === null ? 0 : 1 / (k(r) as number)), 0) / n);
  const chains = rows.filter((r) => r.chainOk !== null);
  const ms = rows.flatMap((r) => (r.ms === null ? [] : [r.ms]));
  return {
    n,
    top1: frac((r) => r.entityRank === 1),
    top3: frac((r) => r.entityRank !== null && r.entityRank <= 3),
    mrr: mrr((r) => r.entityRank),
    serviceTop1: frac((r) => r.serviceRank === 1),
    serviceTop3: frac((r) => r.serviceRank !== null && r.serviceRank <= 3),
    serviceMrr: mrr((r) => r.serviceRank),
    chain: chains.length === 0 ? null : chains.filter((r) => r.chainOk).length / chains.length,
    p50ms: percentile(ms, 50),
    p99ms: percentile(ms, 99),
  };
}

/** Reliability of the top candidate's confidence: per bin, how often it was right (entity or service granularity), in five bins. */
export function calibration(rows: readonly Scored[], granularity: 'entity' | 'service' = 'entity'): { bin: string; n: number; meanConfidence: number; accuracy: number }[] {
  const bins = [0, 0.2, 0.4, 0.6, 0.8, 1.0001];
  const out = [];
  for (let i = 0; i + 1 < bins.length; i++) {
    const lo = bins[i] as number;
    const hi = bins[i + 1] as number;
    const inBin = rows.filter((r) => r.confidence !== null && r.confidence >= lo && r.confidence < hi);
    if (inBin.length === 0) continue;
    out.push({
      bin: `${lo.toFixed(1)}-${Math.min(1, hi).toFixed(1)}`,
      n: inBin.length,
      meanConfidence: inBin.reduce((a, r) => a + (r.confidence as number), 0) / inBin.length,
      accuracy: inBin.filter((r) => (granularity === 'entity' ? r.entityRank : r.serviceRank) === 1).length / inBin.length,
    });
  }
  return out;
}

/** Expected calibration error over `calibration`'s bins: how far, weighted by answers, mean confidence lies from accuracy. */
export function calibrationError(bins: readonly { n: number; meanConfidence: number; accuracy: number }[]): number {
  const n = bins.reduce((t, b) => t + b.n, 0);
  return n === 0 ? 0 : bins.reduce((t, b) => t + (b.n / n) * Math.abs(b.meanConfidence - b.accuracy), 0);
}

export function groupBy(rows: readonly Scored[], key: string): Map<string, Scored[]> {
  const m = new Map<string, Scored[]>();
  for (const r of rows) {
    const k = r.group[key] ?? '';
    (m.get(k) ?? m.set(k, []).get(k))?.push(r);
  }
  return new Map([...m].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

export const pct = (x: number | null): string => (x === null ? '-' : x.toFixed(3));
