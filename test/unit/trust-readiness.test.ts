import { describe, expect, it } from 'vitest';
import type { ServiceState } from '../../src/model/views.js';
import { DAY } from '../../src/trust/durations.js';
import { READINESS_CONDITIONS, readiness, tagValue } from '../../src/trust/readiness.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const service = (tags: string[], slo: ServiceState['slo'] = { objective: 0.999, windowDays: 30 }): ServiceState => ({
  id: 'api',
  name: null,
  kind: 'service',
  team: 'web',
  tier: 1,
  zone: 'app',
  slo,
  tags,
  since: 0,
});
const READY_TAGS = ['error-budget-policy=https://wiki/ebp/api', 'rollback=automated', 'toil=measured'];
const base = { serviceId: 'api', firstShadowAt: NOW - 31 * DAY, decisions: { total: 3, withProvenance: 3 }, now: NOW, minShadowMs: 30 * DAY };

describe('readiness gate', () => {
  it('passes with all six conditions, each with its reason', () => {
    const r = readiness({ ...base, service: service(READY_TAGS) });
    expect(r.ready).toBe(true);
    expect(r.conditions.map((c) => c.condition)).toEqual([...READINESS_CONDITIONS]);
    expect(r.conditions.map((c) => c.reason)).toEqual([
      'SLO 99.90% over 30 days',
      'error-budget policy at https://wiki/ebp/api',
      'shadowed for 31 days (at least 30 days)',
      'all 3 recorded decisions carry their instant, evidence and analysis version',
      'rollback is automated',
      'toil is measured',
    ]);
  });

  it.each([
    ['slo-defined', { service: service(READY_TAGS, null) }, 'no SLO defined (service.upserted with slo)'],
    ['error-budget-policy', { service: service(READY_TAGS.slice(1)) }, 'no error-budget policy declared (tag error-budget-policy=<link>)'],
    ['shadow-period', { service: service(READY_TAGS), firstShadowAt: NOW - 12 * DAY }, 'shadow period is 12 days; needs 30 days'],
    ['shadow-period', { service: service(READY_TAGS), firstShadowAt: null }, 'no shadow prediction recorded; needs 30 days of shadowing'],
    ['decision-provenance', { service: service(READY_TAGS), decisions: { total: 0, withProvenance: 0 } }, 'no decision about this service recorded with provenance yet'],
    ['decision-provenance', { service: service(READY_TAGS), decisions: { total: 4, withProvenance: 3 } }, '1 of 4 recorded decisions lack provenance'],
    ['rollback-automated', { service: service(['error-budget-policy=x', 'rollback=manual', 'toil=measured']) }, 'rollback is manual, not automated'],
    ['toil-measured', { service: service(READY_TAGS.slice(0, 2)) }, 'toil measurement not declared (tag toil=measured)'],
  ] as const)('fails %s and says why', (condition, over, reason) => {
    const r = readiness({ ...base, ...over });
    expect(r.ready).toBe(false);
    expect(r.conditions.filter((c) => !c.met)).toEqual([{ condition, met: false, reason }]);
  });

  it('a service that does not exist is not ready', () => {
    const r = readiness({ ...base, service: null });
    expect(r.ready).toBe(false);
    expect(r.conditions[0]?.reason).toBe('service api does not exist now');
  });

  it('reads key=value and key:value tags', () => {
    expect(tagValue(['team=web', 'rollback: automated'], 'rollback')).toBe('automated');
    expect(tagValue(['team=web'], 'rollback')).toBeNull();
  });
});
