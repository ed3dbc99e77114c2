/**
 * Time in ctxgraph: every fact has a valid time and a recorded time. "The graph at T as known at
 * K" is decided here, once, for every store and every query.
 */
import type { Fact, Json } from './facts.js';

/** A reading of the graph: valid at `at`, as known at `knownAt` (both epoch ms). */
export interface Instant {
  readonly at: number;
  readonly knownAt: number;
}

/** Later than any real instant; the default `knownAt` ("everything recorded so far"). */
export const END_OF_TIME = 8.64e15;

/** RFC 3339 text to epoch milliseconds (sub-millisecond digits are dropped). */
export function toMillis(rfc3339: string): number {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) throw new RangeError(`not an RFC 3339 timestamp: ${rfc3339}`);
  return ms;
}

export const toIso = (ms: number): string => new Date(ms).toISOString();

/**
 * Order of facts on one entity: valid time first; at equal valid time the larger `(source, id)`
 * comes later, and so wins (CONTRACT §1's equal-time rule).
 */
export function compareFacts(a: Pick<Fact, 'validFrom' | 'key'>, b: Pick<Fact, 'validFrom' | 'key'>): number {
  if (a.validFrom !== b.validFrom) return a.validFrom - b.validFrom;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Index of the first version whose valid time is after `at` (versions sorted by `compareFacts`). */
export function upperBound(versions: readonly Fact[], at: number): number {
  let lo = 0;
  let hi = versions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((versions[mid] as Fact).validFrom <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Where `fact` belongs in sorted `versions`, or -1 when an equal-ordered fact is already there. */
export function insertionPoint(versions: readonly Fact[], fact: Fact): number {
  let lo = 0;
  let hi = versions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareFacts(versions[mid] as Fact, fact);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid;
    else return -1;
  }
  return lo;
}

/** The last fact at or before `at`, recorded by `knownAt`, that sets `attr`. */
export function factSetting(versions: readonly Fact[], attr: string, t: Instant): Fact | undefined {
  for (let i = upperBound(versions, t.at) - 1; i >= 0; i--) {
    const f = versions[i] as Fact;
    if (f.recordedAt <= t.knownAt && f.attrs[attr] !== undefined) return f;
  }
  return undefined;
}

/** The value of one attribute at an instant: the last fact at or before `at`, recorded by `knownAt`, that sets it. */
export function attrAt(versions: readonly Fact[], attr: string, t: Instant): Json | undefined {
  return factSetting(versions, attr, t)?.attrs[attr];
}

/** Every attribute at an instant, each from the last fact that set it; undefined when nothing was known. */
export function stateAt(versions: readonly Fact[], t: Instant): Record<string, Json> | undefined {
  let state: Record<string, Json> | undefined;
  for (let i = upperBound(versions, t.at) - 1; i >= 0; i--) {
    const f = versions[i] as Fact;
    if (f.recordedAt > t.knownAt) continue;
    state ??= {};
    for (const k in f.attrs) if (!(k in state)) state[k] = f.attrs[k] as Json;
  }
  return state;
}

/** The valid time at which an attribute took the value it has at `t` (for "since when"). */
export function attrSince(versions: readonly Fact[], attr: string, t: Instant): number | undefined {
  let since: number | undefined;
  let value: string | undefined;
  for (let i = upperBound(versions, t.at) - 1; i >= 0; i--) {
    const f = versions[i] as Fact;
    if (f.recordedAt > t.knownAt) continue;
    const v = f.attrs[attr];
    if (v === undefined) continue;
    const s = JSON.stringify(v);
    if (value === undefined) value = s;
    else if (s !== value) break;
    since = f.validFrom;
  }
  return since;
}

/** Facts whose valid time lies in [from, to], recorded by `knownAt`. */
export function factsBetween(versions: readonly Fact[], from: number, to: number, knownAt: number): Fact[] {
  const out: Fact[] = [];
  for (let i = upperBound(versions, from - 1); i < versions.length; i++) {
    const f = versions[i] as Fact;
    if (f.validFrom > to) break;
    if (f.recordedAt <= knownAt) out.push(f);
  }
  return out;
}
