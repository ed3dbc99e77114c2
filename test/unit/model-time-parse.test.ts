/**
 * `toMillis` reads the usual `...Z` form itself rather than through `Date.parse`; on every
 * timestamp, usual or not, it must give what `Date.parse` gives, and refuse what it refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toMillis } from '../../src/model/time.js';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const expected = (s: string): number | 'refused' => {
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? 'refused' : ms;
};
const actual = (s: string): number | 'refused' => {
  try {
    return toMillis(s);
  } catch {
    return 'refused';
  }
};

describe('toMillis', () => {
  it('agrees with Date.parse on RFC 3339 timestamps, fractions of any length and out-of-range fields included', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 0, max: 9999 }),
          month: fc.integer({ min: 0, max: 13 }),
          day: fc.integer({ min: 0, max: 32 }),
          hour: fc.integer({ min: 0, max: 25 }),
          minute: fc.integer({ min: 0, max: 60 }),
          second: fc.integer({ min: 0, max: 60 }),
          fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
          zone: fc.constantFrom('Z', 'z', '+00:00', '+02:30', '-05:00'),
        }),
        (p) => {
          const s = `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}T${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}${p.fraction === undefined ? '' : `.${p.fraction}`}${p.zone}`;
          expect(actual(s)).toBe(expected(s));
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
  });

  it('agrees with Date.parse on near misses of the usual form', () => {
    for (const s of [
      '2026-03-02T00:00:00Z',
      '2026-03-02T00:00:00.Z',
      '2026-03-02 00:00:00Z',
      '2026-3-02T00:00:00Z',
      '2026-03-02T00:00:00.1234567890123Z',
      '2026-03-02T00:00:0aZ',
      '+02026-03-02T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2024-02-29T23:59:59.999Z',
      '2026-03-02T24:00:00Z',
      '0099-03-02T00:00:00Z',
      '',
    ]) {
      expect(actual(s), s).toBe(expected(s));
    }
  });
});
