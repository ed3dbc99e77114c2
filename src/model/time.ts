/**
 * Time in ctxgraph: every fact has a valid time and a recorded time. "The graph at T as known at
 * K" is decided here, once, for every store and every query.
 */
import type { EventType } from '../../schema/events.js';
import type { Fact, Json } from './facts.js';

/** A reading of the graph: valid at `at`, as known at `knownAt` (both epoch ms). */
export interface Instant {
  readonly at: number;
  readonly knownAt: number;
}

/** Later than any real instant; the default `knownAt` ("everything recorded so far"). */
export const END_OF_TIME = 8.64e15;

/** The number in `s` from `at`, `n` decimal digits; -1 when one is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the form producers send, read without `Date.parse` (which
 * costs more than the rest of turning an event into facts); NaN for anything else, which
 * `Date.parse` then decides. Days past the 28th are left to it too, so no month-length rule lives here.
 */
function utcMillis(s: string): number {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  let ms = 0;
  if (n > 20) {
    const places = n - 21;
    if (s[19] !== '.' || places < 1 || digits(s, 20, places) < 0) return NaN;
    // Milliseconds from the first three places; the digits after them are dropped.
    ms = digits(s, 20, Math.min(3, places)) * (places === 1 ? 100 : places === 2 ? 10 : 1);
  }
  return daysSinceEpoch(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's `days_from_civil`), as `Date.UTC`
 * counts them: in arithmetic, because `Date.UTC` is a call into the runtime, 77 against 12 ns.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  // Years start in March, so the leap day is the last day of the year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

/** RFC 3339 text to epoch milliseconds (sub-millisecond digits are dropped). */
export function toMillis(rfc3339: string): number {
  const fast = utcMillis(rfc3339);
  if (!Number.isNaN(fast)) return fast;
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) throw new RangeError(`not an RFC 3339 timestamp: ${rfc3339}`);
  return ms;
}

export const toIso = (ms: number): string => new Date(ms).toISOString();

/**
 * The facts of one entity sorted by `compareFacts`, read by position. A store may keep them in
 * columns rather than as `Fact` objects (the embedded store does, to keep memory per fact low), so
 * the reads below never need a fact object; `fact(i)` builds one for those who do.
 */
export interface Versions {
  readonly length: number;
  validFrom(i: number): number;
  recordedAt(i: number): number;
  /** The event's order key, `source␀id`. */
  key(i: number): string;
  type(i: number): EventType;
  attrs(i: number): Readonly<Record<string, Json>>;
  fact(i: number): Fact;
}

/** Versions as a plain sorted array of facts (what Neo4j returns, what tests write), or a store's own. */
export type VersionsLike = Versions | readonly Fact[];

class FactArray implements Versions {
  constructor(private readonly facts: readonly Fact[]) {}
  get length(): number {
    return this.facts.length;
  }
  validFrom(i: number): number {
    return (this.facts[i] as Fact).validFrom;
  }
  recordedAt(i: number): number {
    return (this.facts[i] as Fact).recordedAt;
  }
  key(i: number): string {
    return (this.facts[i] as Fact).key;
  }
  type(i: number): EventType {
    return (this.facts[i] as Fact).type;
  }
  attrs(i: number): Readonly<Record<string, Json>> {
    return (this.facts[i] as Fact).attrs;
  }
  fact(i: number): Fact {
    return this.facts[i] as Fact;
  }
}

export const asVersions = (v: VersionsLike): Versions => (typeof (v as Versions).attrs === 'function' ? (v as Versions) : new FactArray(v as readonly Fact[]));

/**
 * Order of facts on one entity: valid time first; at equal valid time the larger `(source, id)`
 * comes later, and so wins (CONTRACT §1's equal-time rule).
 */
export function compareFacts(a: Pick<Fact, 'validFrom' | 'key'>, b: Pick<Fact, 'validFrom' | 'key'>): number {
  if (a.validFrom !== b.validFrom) return a.validFrom - b.validFrom;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Index of the first version whose valid time is after `at`. */
export function upperBound(versions: VersionsLike, at: number): number {
  const v = asVersions(versions);
  let lo = 0;
  let hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v.validFrom(mid) <= at) lo = mid + 1;
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

/** Position of the last version at or before `at`, recorded by `knownAt`, that sets `attr`; -1 when none. */
export function positionSetting(v: Versions, attr: string, t: Instant): number {
  for (let i = upperBound(v, t.at) - 1; i >= 0; i--) {
    if (v.recordedAt(i) <= t.knownAt && v.attrs(i)[attr] !== undefined) return i;
  }
  return -1;
}

/** Position of the last version at or before `at`, recorded by `knownAt`, made by an event of `type`; -1 when none. */
export function positionOfType(v: Versions, type: EventType, t: Instant): number {
  for (let i = upperBound(v, t.at) - 1; i >= 0; i--) {
    if (v.recordedAt(i) <= t.knownAt && v.type(i) === type) return i;
  }
  return -1;
}

/** The last fact at or before `at`, recorded by `knownAt`, that sets `attr`. */
export function factSetting(versions: VersionsLike, attr: string, t: Instant): Fact | undefined {
  const v = asVersions(versions);
  const i = positionSetting(v, attr, t);
  return i < 0 ? undefined : v.fact(i);
}

/** The value of one attribute at an instant: the last fact at or before `at`, recorded by `knownAt`, that sets it. */
export function attrAt(versions: VersionsLike, attr: string, t: Instant): Json | undefined {
  const v = asVersions(versions);
  const i = positionSetting(v, attr, t);
  return i < 0 ? undefined : v.attrs(i)[attr];
}

/** Every attribute at an instant, each from the last fact that set it; undefined when nothing was known. */
export function stateAt(versions: VersionsLike, t: Instant): Record<string, Json> | undefined {
  const v = asVersions(versions);
  let state: Record<string, Json> | undefined;
  for (let i = upperBound(v, t.at) - 1; i >= 0; i--) {
    if (v.recordedAt(i) > t.knownAt) continue;
    state ??= {};
    const attrs = v.attrs(i);
    for (const k in attrs) if (!(k in state)) state[k] = attrs[k] as Json;
  }
  return state;
}

/** Equal attribute values: primitives by `===`, structured ones (an SLO, a list) by content. */
const sameValue = (a: Json, b: Json): boolean => a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));

/** The valid time at which an attribute took the value it has at `t` (for "since when"). */
export function attrSince(versions: VersionsLike, attr: string, t: Instant): number | undefined {
  const v = asVersions(versions);
  let since: number | undefined;
  let value: Json | undefined;
  for (let i = upperBound(v, t.at) - 1; i >= 0; i--) {
    if (v.recordedAt(i) > t.knownAt) continue;
    const x = v.attrs(i)[attr];
    if (x === undefined) continue;
    if (value === undefined) value = x;
    else if (!sameValue(x, value)) break;
    since = v.validFrom(i);
  }
  return since;
}

/** Facts whose valid time lies in [from, to], recorded by `knownAt`. */
export function factsBetween(versions: VersionsLike, from: number, to: number, knownAt: number): Fact[] {
  const v = asVersions(versions);
  const out: Fact[] = [];
  for (let i = upperBound(v, from - 1); i < v.length; i++) {
    if (v.validFrom(i) > to) break;
    if (v.recordedAt(i) <= knownAt) out.push(v.fact(i));
  }
  return out;
}
