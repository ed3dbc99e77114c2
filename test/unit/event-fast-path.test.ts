import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FastRead, readEventFast, readEventFastInterpreted } from '../../schema/event-fast-path.js';
import { ACTOR_TYPES, CloudEvent, DEPLOY_STATUSES, ENTITY_REF_KINDS, SERVICE_KINDS, SEVERITIES } from '../../schema/events.js';

/** Strings around the schema's limits (empty, 512 and 513 characters, non-ASCII). */
const str = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 12 }) },
  fc.constantFrom('', 'a', 'x'.repeat(512), 'x'.repeat(513), 'é'.repeat(512), '😀'.repeat(256), '😀'.repeat(257)),
);
const id = fc.oneof({ weight: 12, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/) }, { weight: 1, arbitrary: str });
const num = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 120 }) },
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.integer({ min: -5, max: 120 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -2, max: 200 }),
  fc.constantFrom(0, -0, 0.5, 1, 1.0000001, 4, 4.5, 100, 100.01, Number.MAX_SAFE_INTEGER, 2 ** 60, 1e300),
);
/** One of `values` mostly, else any string. */
const oneOf = (values: readonly string[]): fc.Arbitrary<string> => fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: str });
const time = fc.oneof(
  { weight: 4, arbitrary: fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
  fc.constantFrom(
    '2026-05-01T12:00:00Z',
    '2026-05-01T12:00:00+02:00',
    '2026-05-01T12:00:00.123456-05:30',
    '2024-02-29T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-05-01T12:00:00',
    '2026-05-01 12:00:00Z',
    '2026-05-01T24:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-05-01',
  ),
);
/** Anything a producer might put in a field by mistake. */
const junk = fc.oneof(
  fc.constantFrom(null, true, false, undefined, [], {}, ['a'], { a: 'b' }, [1], '', 'x'.repeat(513), 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY),
  str,
  num,
);
const ref = fc.record({ kind: oneOf(ENTITY_REF_KINDS), id });
const tags = fc.oneof(fc.array(str, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }));
/** Numbers for a field whose limits are `edges`: the edges, just past them, and anything. */
const near = (...edges: number[]): fc.Arbitrary<number> =>
  fc.oneof(fc.constantFrom(...edges.flatMap((e) => [e, e - 1e-9, e + 1e-9, e - 1, e + 1, e + 0.5])), num);
const configValue = fc.oneof(str, num, fc.boolean(), fc.constant(null));

const DATA: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  'service.upserted': fc.record(
    {
      service: id,
      name: str,
      kind: oneOf(SERVICE_KINDS),
      team: str,
      tier: near(1, 4),
      zone: str,
      slo: fc.record({ objective: fc.oneof(near(0, 1), fc.constant(-0)), windowDays: near(0, 1) }),
      tags,
    },
    { requiredKeys: ['service'] },
  ),
  'service.retired': fc.record({ service: id }),
  'dependency.upserted': fc.record(
    { from: fc.constantFrom('a', 'b', 'c'), to: fc.constantFrom('a', 'b', 'c'), critical: fc.boolean(), rps: near(0), timeoutMs: near(0), protocol: str },
    { requiredKeys: ['from', 'to'] },
  ),
  'dependency.removed': fc.record({ from: id, to: id }),
  'deploy.started': fc.record(
    { deploy: id, service: id, version: str, previousVersion: str, changes: fc.array(str, { maxLength: 3 }), rolloutPercent: near(0, 100) },
    { requiredKeys: ['deploy', 'service', 'version'] },
  ),
  'deploy.finished': fc.record({ deploy: id, status: oneOf(DEPLOY_STATUSES) }),
  'config.changed': fc.record(
    { change: id, service: id, key: str, value: configValue, previousValue: configValue, dependency: id, services: fc.array(id, { maxLength: 3 }) },
    { requiredKeys: ['change', 'service', 'key', 'value'] },
  ),
  'alert.fired': fc.record(
    {
      alert: id,
      service: id,
      signal: str,
      severity: oneOf(SEVERITIES),
      value: num,
      baseline: num,
      summary: str,
      dependency: id,
      onsetObserved: fc.boolean(),
    },
    { requiredKeys: ['alert', 'service', 'signal'] },
  ),
  'alert.resolved': fc.record({ alert: id }),
  'incident.opened': fc.record({ incident: id, services: fc.array(id, { maxLength: 3 }), title: str, severity: str }, { requiredKeys: ['incident', 'services'] }),
  'incident.resolved': fc.record({ incident: id, rootCause: ref, chain: fc.array(ref, { maxLength: 3 }) }, { requiredKeys: ['incident'] }),
  'causal.confirmed': fc.record({ cause: ref, effect: ref, incident: id, note: str }, { requiredKeys: ['cause', 'effect'] }),
  'causal.rejected': fc.record({ cause: ref, effect: ref, incident: id, note: str }, { requiredKeys: ['cause', 'effect'] }),
  // Not read by the fast path: zod answers alone.
  'action.decided': fc.record({ action: id }),
};

const envelope = fc.record(
  {
    specversion: fc.oneof({ weight: 9, arbitrary: fc.constant('1.0') }, { weight: 1, arbitrary: fc.constantFrom('1', '0.3', 1) }),
    id,
    source: id,
    time,
    subject: str,
    datacontenttype: str,
    dataschema: str,
    actor: str,
    actortype: oneOf(ACTOR_TYPES),
    actormodel: str,
  },
  { requiredKeys: ['specversion', 'id', 'source', 'time'] },
);

/** Sometimes the fields in another order, sometimes a field the schema does not know. */
function scramble(o: Record<string, unknown>, order: number[], extra: string | null): Record<string, unknown> {
  const keys = Object.keys(o);
  const sorted = keys.map((k, i) => [k, order[i % Math.max(1, order.length)] ?? 0] as const).sort((a, b) => a[1] - b[1]);
  const out: Record<string, unknown> = {};
  for (const [k] of sorted) out[k] = o[k];
  if (extra !== null) out[extra] = 'surplus';
  return out;
}

const event = fc
  .record({
    type: fc.constantFrom(...Object.keys(DATA)),
    envelope,
    order: fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 12 }),
    extra: fc.option(fc.constantFrom('extension', 'note', 'constructor', '__proto__'), { freq: 4 }),
    dataExtra: fc.option(fc.constantFrom('extra', 'toString'), { freq: 4 }),
  })
  .chain(({ type, envelope, order, extra, dataExtra }) =>
    (DATA[type] as fc.Arbitrary<Record<string, unknown>>).map((data) => scramble({ ...envelope, type, data: scramble(data, order, dataExtra) }, order, extra)),
  );

/** Every path to a field, from the event down to nested objects and list items. */
function paths(v: unknown, at: string[] = []): string[][] {
  if (typeof v !== 'object' || v === null) return [];
  return Object.keys(v).flatMap((k) => [[...at, k], ...paths((v as Record<string, unknown>)[k], [...at, k])]);
}

/** The event with one field replaced by `value` (or removed, with `remove`). */
function mutate(e: Record<string, unknown>, path: string[], value: unknown, remove: boolean): Record<string, unknown> {
  const copy = structuredClone(e);
  let at: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (remove) delete at[last];
  else at[last] = value;
  return copy;
}

const mutated = fc
  .record({ e: event, pick: fc.nat(), value: junk, remove: fc.boolean() })
  .map(({ e, pick, value, remove }) => {
    const all = paths(e);
    return all.length === 0 ? e : mutate(e, all[pick % all.length] as string[], value, remove);
  });

/** Equal as zod's output is equal: the same values, no field more or less, the same field order everywhere. */
function expectSameOutput(fast: unknown, zod: unknown): void {
  expect(fast).toStrictEqual(zod);
  expect(orderOf(fast)).toEqual(orderOf(zod));
}
function orderOf(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(orderOf);
  return Object.entries(v).map(([k, x]) => [k, orderOf(x)]);
}

/** What `exact` promises: JSON of the input reads back with the event's fields (envelope and data in any order, below them as they are). */
function readsBack(input: Record<string, unknown>, event: Record<string, unknown>): boolean {
  const json = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  const sameFields = (a: Record<string, unknown>, b: Record<string, unknown>, deeper: (x: unknown, y: unknown) => boolean): boolean =>
    Object.keys(a).length === Object.keys(b).length && Object.keys(b).every((k) => Object.hasOwn(a, k) && deeper(a[k], b[k]));
  const same = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);
  return sameFields(json, event, (x, y) =>
    typeof x === 'object' && x !== null && !Array.isArray(x) && typeof y === 'object' && y !== null ? sameFields(x as Record<string, unknown>, y as Record<string, unknown>, same) : same(x, y),
  );
}

function check(input: Record<string, unknown>, readEventFast: (input: unknown) => FastRead | null): 'fast' | 'zod' {
  const zod = CloudEvent.safeParse(input);
  const fast = readEventFast(input);
  if (fast === null) return 'zod';
  expect(zod.success, `fast path took an event zod refuses: ${JSON.stringify(zod.error?.issues)}`).toBe(true);
  expectSameOutput(fast.event, zod.data);
  if (fast.exact) expect(readsBack(input, fast.event as unknown as Record<string, unknown>)).toBe(true);
  return 'fast';
}

// Compiled where the process allows it; interpreted under `node --disallow-code-generation-from-strings`.
describe.each([
  ['compiled', readEventFast],
  ['interpreted', readEventFastInterpreted],
] as const)('the fast path for common events (%s)', (_mode, readEventFast) => {
  it('gives what zod gives, field order included, for generated events', () => {
    let fast = 0;
    let valid = 0;
    fc.assert(
      fc.property(event, (e) => {
        if (CloudEvent.safeParse(e).success) valid++;
        if (check(e, readEventFast) === 'fast') fast++;
      }),
      { numRuns: 8000, seed: 20261203 },
    );
    // The generator must make valid events often enough to test anything, and the fast path must
    // take most of them rather than leave everything to zod.
    expect(valid).toBeGreaterThan(2000);
    expect(fast).toBeGreaterThan(valid / 2);
  });

  it('never takes an event zod refuses, and agrees on those zod takes, with one field broken or removed', () => {
    fc.assert(
      fc.property(mutated, (e) => {
        check(e, readEventFast);
      }),
      { numRuns: 8000, seed: 7 },
    );
  });

  it('agrees with zod on every field of a full event of each type set to each edge value, or removed', () => {
    const envelope = { specversion: '1.0', id: 'e1', source: 's', time: '2026-05-01T12:00:00Z', subject: 'x', datacontenttype: 'application/json', dataschema: 'd', actor: 'a', actortype: 'agent', actormodel: 'm' };
    const ref = { kind: 'deploy', id: 'd1' };
    const FULL: Record<string, Record<string, unknown>> = {
      'service.upserted': { service: 's', name: 'n', kind: 'cache', team: 't', tier: 2, zone: 'z', slo: { objective: 0.99, windowDays: 28 }, tags: ['a=b'] },
      'service.retired': { service: 's' },
      'dependency.upserted': { from: 'a', to: 'b', critical: true, rps: 1.5, timeoutMs: 100, protocol: 'grpc' },
      'dependency.removed': { from: 'a', to: 'b' },
      'deploy.started': { deploy: 'd', service: 's', version: 'v2', previousVersion: 'v1', changes: ['c'], rolloutPercent: 50 },
      'deploy.finished': { deploy: 'd', status: 'failed' },
      'config.changed': { change: 'c', service: 's', key: 'k', value: 1, previousValue: null, dependency: 'd', services: ['s'] },
      'alert.fired': { alert: 'a', service: 's', signal: 'latency', severity: 'info', value: 3.5, baseline: 1.25, summary: 'slow', dependency: 'd', onsetObserved: false },
      'alert.resolved': { alert: 'a' },
      'incident.opened': { incident: 'i', services: ['s'], title: 't', severity: 'sev1' },
      'incident.resolved': { incident: 'i', rootCause: ref, chain: [ref, ref] },
      'causal.confirmed': { cause: ref, effect: { kind: 'service', id: 's' }, incident: 'i', note: 'n' },
      'causal.rejected': { cause: ref, effect: ref, incident: 'i', note: 'n' },
    };
    const EDGES: unknown[] = [null, true, false, undefined, [], {}, ['a'], [''], [1], { a: 'b' }, '', 'a', 'x'.repeat(512), 'x'.repeat(513), '1.0', 'agent', 'cache',
      0, -0, 1e-9, 0.5, 1, 1.0000001, 2, 4, 4.5, 5, 99.5, 100, 100.5, -1, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, ref, [ref]];
    let fast = 0;
    for (const [type, data] of Object.entries(FULL)) {
      const full = { ...envelope, type, data };
      expect(check(full, readEventFast)).toBe('fast');
      for (const path of paths(full)) {
        if (check(mutate(full, path, undefined, true), readEventFast) === 'fast') fast++;
        for (const v of EDGES) if (check(mutate(full, path, v, false), readEventFast) === 'fast') fast++;
      }
    }
    expect(fast).toBeGreaterThan(100);
  });

  it('takes the events the generator writes, and says which read back exactly', () => {
    const base = {
      specversion: '1.0',
      id: 'evt-1',
      source: 'backstage/catalog',
      type: 'service.upserted',
      time: '2026-03-02T00:00:00.000Z',
      subject: 'web-edge',
      actor: 'backstage',
      actortype: 'system',
      data: { service: 'web-edge', tier: 1, slo: { objective: 0.9995, windowDays: 30 }, tags: ['runtime=envoy'] },
    };
    expect(readEventFast(base)?.exact).toBe(true);
    // Envelope and data fields in another order still read back; a nested object's do not.
    const { data: _data, ...envelope } = base;
    expect(readEventFast({ data: { tags: ['a'], service: 'x' }, ...envelope })?.exact).toBe(true);
    expect(readEventFast({ ...base, data: { service: 'x', slo: { windowDays: 30, objective: 0.5 } } })?.exact).toBe(false);
    expect(readEventFast({ ...base, extension: 1 })?.exact).toBe(false);
    expect(readEventFast({ ...base, data: { service: 'x', owner: 'y' } })?.exact).toBe(false);
    // Left to zod: tags as a map, a service depending on itself, internal types, undefined fields.
    expect(readEventFast({ ...base, data: { service: 'x', tags: { a: 'b' } } })).toBeNull();
    expect(readEventFast({ ...base, type: 'dependency.upserted', data: { from: 'a', to: 'a' } })).toBeNull();
    expect(readEventFast({ ...base, type: 'action.decided', data: { action: 'a' } })).toBeNull();
    expect(readEventFast({ ...base, subject: undefined })).toBeNull();
  });
});
