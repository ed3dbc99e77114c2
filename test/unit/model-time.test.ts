import { describe, expect, it } from 'vitest';
import type { Fact, Json } from '../../src/model/facts.js';
import { attrAt, attrSince, compareFacts, factsBetween, insertionPoint, stateAt, toMillis, upperBound } from '../../src/model/time.js';

/** A fact on one service: valid from `validFrom`, keyed `key`, recorded at `recordedAt` (default 0). */
const fact = (validFrom: number, key: string, attrs: Record<string, Json>, recordedAt = 0): Fact => ({
  kind: 'service',
  id: 'cart',
  validFrom,
  recordedAt,
  key,
  type: 'service.upserted',
  attrs,
});
const all = (at: number) => ({ at, knownAt: Infinity });

describe('toMillis', () => {
  it('reads the same instant written with different offsets as equal', () => {
    expect(toMillis('2026-05-01T12:00:00+02:00')).toBe(toMillis('2026-05-01T10:00:00Z'));
  });
  it('says which text is not a timestamp', () => {
    expect(() => toMillis('yesterday')).toThrow(/yesterday/);
  });
});

describe('compareFacts', () => {
  it('orders by valid time, then by (source, id) so the larger key comes later', () => {
    expect(compareFacts(fact(1, 'b', {}), fact(2, 'a', {}))).toBeLessThan(0);
    expect(compareFacts(fact(2, 'a', {}), fact(2, 'b', {}))).toBeLessThan(0);
    expect(compareFacts(fact(2, 'b', {}), fact(2, 'a', {}))).toBeGreaterThan(0);
    expect(compareFacts(fact(2, 'a', {}), fact(2, 'a', {}))).toBe(0);
  });
  it('compares the source before the id, even when one source is a prefix of another', () => {
    // eventKey joins with NUL, which sorts before every printable character.
    expect(compareFacts(fact(1, 'ci\u0000z', {}), fact(1, 'ci-2\u0000a', {}))).toBeLessThan(0);
  });
});

describe('upperBound', () => {
  const versions = [fact(10, 'a', {}), fact(20, 'a', {}), fact(20, 'b', {}), fact(30, 'a', {})];
  it('finds the first version after the instant, past every version at it', () => {
    expect(upperBound(versions, 5)).toBe(0);
    expect(upperBound(versions, 10)).toBe(1);
    expect(upperBound(versions, 20)).toBe(3);
    expect(upperBound(versions, 25)).toBe(3);
    expect(upperBound(versions, 30)).toBe(4);
    expect(upperBound([], 30)).toBe(0);
  });
});

describe('insertionPoint', () => {
  const versions = [fact(10, 'a', {}), fact(20, 'b', {}), fact(30, 'a', {})];
  it('keeps versions sorted by valid time and key', () => {
    expect(insertionPoint(versions, fact(5, 'z', {}))).toBe(0);
    expect(insertionPoint(versions, fact(20, 'a', {}))).toBe(1);
    expect(insertionPoint(versions, fact(20, 'c', {}))).toBe(2);
    expect(insertionPoint(versions, fact(40, 'a', {}))).toBe(3);
  });
  it('refuses a second copy of the same fact', () => {
    expect(insertionPoint(versions, fact(20, 'b', { other: true }))).toBe(-1);
  });
});

describe('reading attributes at an instant', () => {
  const versions = [
    fact(10, 'a', { present: true, tier: 2, team: 'shop' }, 100),
    fact(20, 'a', { tier: 1 }, 300),
    fact(30, 'a', { present: false }, 200),
  ];

  it('takes each attribute from the last version at or before the instant that sets it', () => {
    expect(attrAt(versions, 'tier', all(9))).toBeUndefined();
    expect(attrAt(versions, 'tier', all(10))).toBe(2);
    expect(attrAt(versions, 'tier', all(25))).toBe(1);
    expect(attrAt(versions, 'team', all(25))).toBe('shop');
    expect(stateAt(versions, all(35))).toEqual({ present: false, tier: 1, team: 'shop' });
    expect(stateAt(versions, all(5))).toBeUndefined();
  });

  it('ignores versions recorded after knownAt, and falls back to what was known', () => {
    expect(attrAt(versions, 'tier', { at: 25, knownAt: 299 })).toBe(2);
    expect(attrAt(versions, 'tier', { at: 25, knownAt: 300 })).toBe(1);
    expect(stateAt(versions, { at: 35, knownAt: 250 })).toEqual({ present: false, tier: 2, team: 'shop' });
    expect(stateAt(versions, { at: 35, knownAt: 99 })).toBeUndefined();
  });

  it('says since when an attribute has held its current value', () => {
    const v = [fact(10, 'a', { present: true }), fact(20, 'a', { present: true, tier: 1 }), fact(30, 'a', { present: false }), fact(40, 'a', { present: true })];
    expect(attrSince(v, 'present', all(25))).toBe(10);
    expect(attrSince(v, 'present', all(35))).toBe(30);
    expect(attrSince(v, 'present', all(45))).toBe(40);
    expect(attrSince(v, 'present', { at: 45, knownAt: -1 })).toBeUndefined();
    expect(attrSince(v, 'zone', all(45))).toBeUndefined();
  });

  it('compares structured values by content for "since when"', () => {
    const v = [fact(10, 'a', { slo: { objective: 0.99, windowDays: 28 } }), fact(20, 'a', { slo: { objective: 0.99, windowDays: 28 } })];
    expect(attrSince(v, 'slo', all(25))).toBe(10);
  });
});

describe('factsBetween', () => {
  const versions = [fact(10, 'a', {}, 1), fact(20, 'a', {}, 5), fact(30, 'a', {}, 1), fact(40, 'a', {}, 1)];
  it('lists versions valid in [from, to], both ends included, recorded by knownAt', () => {
    expect(factsBetween(versions, 20, 30, Infinity).map((f) => f.validFrom)).toEqual([20, 30]);
    expect(factsBetween(versions, 11, 39, Infinity).map((f) => f.validFrom)).toEqual([20, 30]);
    expect(factsBetween(versions, 0, 100, 4).map((f) => f.validFrom)).toEqual([10, 30, 40]);
    expect(factsBetween(versions, 41, 100, Infinity)).toEqual([]);
  });
});
