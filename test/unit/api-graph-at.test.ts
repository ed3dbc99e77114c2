import { beforeEach, describe, expect, it } from 'vitest';
import { createEvents } from '../support/events.js';
import { type Api, day, openApi } from './api-harness.js';

interface Snapshot {
  graphAt: {
    services: { id: string; tier: number | null; team: string | null; slo: { objective: number; windowDays: number } | null; tags: string[]; since: string }[];
    dependencies: { from: string; to: string; critical: boolean; rps: number | null; protocol: string | null; since: string }[];
  };
}

const GRAPH_AT = `query($at: DateTime!, $knownAt: DateTime) {
  graphAt(at: $at, knownAt: $knownAt) {
    services { id tier team slo { objective windowDays } tags since }
    dependencies { from to critical rps protocol since }
  }
}`;

describe('graphAt', () => {
  let api: Api;
  const ev = createEvents({ source: 'catalog' });

  beforeEach(async () => {
    api = await openApi();
    api.clock('10:00');
    await api.ingest([
      ev.serviceUpserted(day('10:00'), { service: 'web', tier: 1, team: 'edge', slo: { objective: 0.999, windowDays: 28 }, tags: ['public'] }),
      ev.serviceUpserted(day('10:00'), { service: 'cart', tier: 2 }),
      ev.serviceUpserted(day('10:00'), { service: 'db', kind: 'database' }),
      ev.dependencyUpserted(day('10:00'), { from: 'web', to: 'cart', rps: 120, protocol: 'http' }),
      ev.dependencyUpserted(day('10:00'), { from: 'cart', to: 'db', critical: false }),
    ]);
    api.clock('11:00');
    await api.ingest([ev.serviceRetired(day('11:00'), { service: 'cart' })]);
    api.clock('12:00');
    await api.ingest([ev.serviceUpserted(day('12:00'), { service: 'cart', team: 'shop' })]);
    // Recorded at 13:00, valid since 10:30: a late event.
    api.clock('13:00');
    await api.ingest([
      ev.serviceUpserted(day('10:30'), { service: 'search' }),
      ev.dependencyUpserted(day('10:30'), { from: 'web', to: 'search' }),
    ]);
  });

  const graphAt = async (at: string, knownAt?: string) => {
    const r = await api.query<Snapshot>(GRAPH_AT, { at: day(at), ...(knownAt ? { knownAt: day(knownAt) } : {}) });
    expect(r.errors).toBeUndefined();
    return r.data!.graphAt;
  };
  const edges = (g: Snapshot['graphAt']) => g.dependencies.map((d) => `${d.from}->${d.to}`);

  it('answers services with their attributes and dependencies valid at the instant', async () => {
    const g = await graphAt('10:45');
    expect(g.services.map((s) => s.id)).toEqual(['cart', 'db', 'search', 'web']);
    expect(g.services.find((s) => s.id === 'web')).toEqual({
      id: 'web',
      tier: 1,
      team: 'edge',
      slo: { objective: 0.999, windowDays: 28 },
      tags: ['public'],
      since: day('10:00'),
    });
    expect(edges(g)).toEqual(['cart->db', 'web->cart', 'web->search']);
    expect(g.dependencies.find((d) => d.from === 'web' && d.to === 'cart')).toEqual({ from: 'web', to: 'cart', critical: true, rps: 120, protocol: 'http', since: day('10:00') });
    // Since its own valid time, though recorded late.
    expect(g.dependencies.find((d) => d.to === 'search')?.since).toBe(day('10:30'));
    expect(g.dependencies.find((d) => d.from === 'cart')?.critical).toBe(false);
  });

  it('drops a retired service and its dependencies, and brings them back when it is upserted again', async () => {
    const retired = await graphAt('11:30');
    expect(retired.services.map((s) => s.id)).toEqual(['db', 'search', 'web']);
    expect(edges(retired)).toEqual(['web->search']);

    const revived = await graphAt('12:30');
    expect(edges(revived)).toEqual(['cart->db', 'web->cart', 'web->search']);
    // Hidden while cart was retired, the call itself was never removed: it keeps its since.
    expect(revived.dependencies.find((d) => d.from === 'web' && d.to === 'cart')?.since).toBe(day('10:00'));
    const cart = revived.services.find((s) => s.id === 'cart');
    expect(cart?.since).toBe(day('12:00'));
    // Attributes not given on revival keep their value.
    expect(cart).toMatchObject({ tier: 2, team: 'shop' });
  });

  it('counts only events recorded by knownAt', async () => {
    const before = await graphAt('12:30', '12:30');
    expect(before.services.map((s) => s.id)).toEqual(['cart', 'db', 'web']);
    expect(edges(before)).toEqual(['cart->db', 'web->cart']);
    // Before the revival was recorded, cart was still retired at 12:30.
    const earlier = await graphAt('12:30', '11:30');
    expect(earlier.services.map((s) => s.id)).toEqual(['db', 'web']);
  });

  it('defaults knownAt to now', async () => {
    api.clock('12:30');
    expect((await graphAt('12:30')).services.map((s) => s.id)).toEqual(['cart', 'db', 'web']);
    api.clock('13:00');
    expect((await graphAt('12:30')).services.map((s) => s.id)).toEqual(['cart', 'db', 'search', 'web']);
  });

  it('answers an empty graph before anything existed', async () => {
    expect(await graphAt('09:00')).toEqual({ services: [], dependencies: [] });
  });
});
