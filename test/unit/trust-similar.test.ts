import { describe, expect, it } from 'vitest';
import type { EntityRef } from '../../schema/events.js';
import type { CausalLinkState, IncidentState } from '../../src/model/views.js';
import { similarIncidents } from '../../src/trust/similar.js';

const svc = (id: string): EntityRef => ({ kind: 'service', id });
const incident = (id: string, services: string[], over: Partial<IncidentState> = {}): IncidentState => ({
  id,
  services,
  title: null,
  severity: null,
  open: false,
  openedAt: 0,
  resolvedAt: 1,
  rootCause: null,
  chain: [],
  ...over,
});

describe('similar incidents', () => {
  const now = incident('now', ['web'], { open: true });
  const chain = [{ kind: 'config', id: 'c9' } as EntityRef, svc('cache'), svc('api'), svc('web')];

  it('ranks a past incident with the same chain of services and cause kind first, with what resolved it', () => {
    const same = incident('past-1', ['web'], { rootCause: { kind: 'config', id: 'c1' }, chain: [{ kind: 'config', id: 'c1' }, svc('cache'), svc('api'), svc('web')] });
    const overlap = incident('past-2', ['web'], { rootCause: { kind: 'deploy', id: 'd1' }, chain: [{ kind: 'deploy', id: 'd1' }, svc('api'), svc('web')] });
    const unrelated = incident('past-3', ['billing'], { chain: [svc('ledger'), svc('billing')] });
    const links: CausalLinkState[] = [{ cause: { kind: 'config', id: 'c1' }, effect: svc('cache'), verdict: 'confirmed', incident: 'past-1', note: 'TTL set to 0', actor: 'alice', at: 1 }];
    const r = similarIncidents({ incident: now, chain }, [unrelated, overlap, same, now], links, 5);
    expect(r.map((s) => s.incident.id)).toEqual(['past-1', 'past-2']);
    expect(r[0]?.reasons).toEqual(['same chain of services: cache -> api -> web', 'a config on cache was the cause (config:c1)', 'symptoms overlap: web']);
    expect(r[0]?.notes).toEqual(['TTL set to 0']);
    expect(r[0]?.score).toBeGreaterThan(r[1]?.score ?? 1);
  });

  it('reuses confirmed links as the chain of a past incident resolved without one', () => {
    const bare = incident('past-4', ['shop']);
    const links: CausalLinkState[] = [
      { cause: { kind: 'deploy', id: 'd7' }, effect: svc('cache'), verdict: 'confirmed', incident: 'past-4', note: null, actor: 'bob', at: 1 },
      { cause: svc('cache'), effect: svc('api'), verdict: 'rejected', incident: 'past-4', note: null, actor: 'bob', at: 1 },
    ];
    const r = similarIncidents({ incident: now, chain }, [bare], links, 5);
    expect(r[0]?.chain).toEqual([{ kind: 'deploy', id: 'd7' }, svc('cache')]);
    expect(r[0]?.reasons[0]).toBe('chains share services: cache');
  });

  it('never offers open incidents or the incident itself', () => {
    const open = incident('other-open', ['web'], { open: true, chain });
    expect(similarIncidents({ incident: now, chain }, [open, { ...now, open: false }], [], 5)).toEqual([]);
  });
});
