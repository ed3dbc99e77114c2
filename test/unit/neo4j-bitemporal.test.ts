import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitemporalRows, OPEN_END, planRowChanges, rowHolds } from '../../src/model/bitemporal.js';
import type { Fact } from '../../src/model/facts.js';
import { END_OF_TIME, type Instant } from '../../src/model/time.js';
import { presentAt } from '../../src/model/views.js';

const fact = (validFrom: number, recordedAt: number, present: boolean, key = `src\u0000${validFrom}-${recordedAt}`): Fact => ({
  kind: 'service',
  id: 'cart',
  validFrom,
  recordedAt,
  key,
  type: present ? 'service.upserted' : 'service.retired',
  attrs: { present },
});

const presence = (facts: readonly Fact[]) => (t: Instant) => (presentAt(facts, t) ? true : null);

describe('bitemporalRows', () => {
  it('gives one open row to a service upserted once', () => {
    const facts = [fact(100, 5, true)];
    expect(bitemporalRows(facts, presence(facts))).toEqual([
      { validFrom: 100, validTo: OPEN_END, recordedAt: 5, supersededAt: OPEN_END, value: true },
    ]);
  });

  it('ends validity at a retirement recorded later, and keeps what was known before', () => {
    const facts = [fact(100, 5, true), fact(300, 9, false)];
    expect(bitemporalRows(facts, presence(facts))).toEqual([
      { validFrom: 100, validTo: OPEN_END, recordedAt: 5, supersededAt: 9, value: true },
      { validFrom: 100, validTo: 300, recordedAt: 9, supersededAt: OPEN_END, value: true },
    ]);
  });

  it('supersedes a row when a late fact rewrites an earlier stretch of valid time', () => {
    const facts = [fact(50, 9, false), fact(100, 5, true), fact(200, 9, false)];
    const rows = bitemporalRows(facts, presence(facts));
    const holds = (at: number, knownAt: number) => rows.some((r) => rowHolds(r, { at, knownAt }));
    expect(holds(150, 6)).toBe(true);
    expect(holds(250, 6)).toBe(true);
    expect(holds(150, 9)).toBe(true);
    expect(holds(250, 9)).toBe(false);
    expect(holds(250, END_OF_TIME)).toBe(false);
    expect(holds(60, END_OF_TIME)).toBe(false);
  });

  it('agrees with the view functions at every instant (property)', () => {
    const arbFact = fc.record({ validFrom: fc.integer({ min: 0, max: 20 }), recordedAt: fc.integer({ min: 0, max: 6 }), present: fc.boolean(), n: fc.nat(3) });
    fc.assert(
      fc.property(fc.array(arbFact, { maxLength: 8 }), fc.integer({ min: -1, max: 22 }), fc.integer({ min: -1, max: 8 }), (raw, at, knownAt) => {
        const facts = raw
          .map((r, i) => fact(r.validFrom, r.recordedAt, r.present, `src\u0000${r.n}-${i}`))
          .sort((a, b) => a.validFrom - b.validFrom || (a.key < b.key ? -1 : 1));
        const rows = bitemporalRows(facts, presence(facts));
        const t = { at, knownAt };
        expect(rows.filter((r) => rowHolds(r, t)).length).toBe(presentAt(facts, t) ? 1 : 0);
      }),
      { seed: 20260501, numRuns: 300 },
    );
  });
});

describe('planRowChanges', () => {
  it('supersedes the open row in place when a retirement arrives', () => {
    const before = [fact(100, 5, true)];
    const after = [...before, fact(300, 9, false)];
    const plan = planRowChanges(bitemporalRows(before, presence(before)), bitemporalRows(after, presence(after)));
    expect(plan.supersede).toEqual([{ validFrom: 100, validTo: OPEN_END, recordedAt: 5, supersededAt: 9, value: true }]);
    expect(plan.add).toEqual([{ validFrom: 100, validTo: 300, recordedAt: 9, supersededAt: OPEN_END, value: true }]);
    expect(plan.drop).toEqual([]);
  });

  it('changes nothing when the rows are already stored', () => {
    const facts = [fact(100, 5, true), fact(300, 9, false)];
    const rows = bitemporalRows(facts, presence(facts));
    expect(planRowChanges(rows, rows)).toEqual({ supersede: [], add: [], drop: [] });
  });
});
