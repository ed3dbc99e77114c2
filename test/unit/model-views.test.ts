import { describe, expect, it } from 'vitest';
import { type CloudEventInput, parseEvent } from '../../schema/events.js';
import { applyEvent, causalId } from '../../src/model/apply.js';
import { type Fact, type FactKind, configValueId, dependencyId } from '../../src/model/facts.js';
import { compareFacts, END_OF_TIME, toMillis } from '../../src/model/time.js';
import {
  alertAt,
  causalLinkAt,
  configChangeAt,
  configValueAt,
  dependencyAt,
  deployAt,
  type DeployState,
  incidentAt,
  runningDeploy,
  serviceAt,
} from '../../src/model/views.js';
import { createEvents } from '../support/events.js';

const day = (hhmm: string): string => `2026-05-01T${hhmm}:00Z`;
const ms = (hhmm: string): number => toMillis(day(hhmm));
const at = (hhmm: string, knownAt = END_OF_TIME) => ({ at: ms(hhmm), knownAt });

/** The sorted versions of one entity, made from events the way a store makes them. */
function versions(kind: FactKind, id: string, events: CloudEventInput[], recordedAt = 0): Fact[] {
  return events
    .flatMap((e) => {
      const r = parseEvent(e);
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return applyEvent(r.event, recordedAt);
    })
    .filter((f) => f.kind === kind && f.id === id)
    .sort(compareFacts);
}

describe('serviceAt', () => {
  const ev = createEvents();
  const v = versions('service', 'cart', [
    ev.serviceUpserted(day('10:00'), { service: 'cart', tier: 2, slo: { objective: 0.99, windowDays: 7 } }),
    ev.serviceRetired(day('11:00'), { service: 'cart' }),
    ev.serviceUpserted(day('12:00'), { service: 'cart', team: 'shop' }),
  ]);
  it('is null before the first upsert and while retired', () => {
    expect(serviceAt('cart', v, at('09:00'))).toBeNull();
    expect(serviceAt('cart', v, at('11:30'))).toBeNull();
  });
  it('keeps attributes across a retirement and says since when the service exists again', () => {
    expect(serviceAt('cart', v, at('12:30'))).toEqual({
      id: 'cart',
      name: null,
      kind: null,
      team: 'shop',
      tier: 2,
      zone: null,
      slo: { objective: 0.99, windowDays: 7 },
      tags: [],
      since: ms('12:00'),
    });
    expect(serviceAt('cart', v, at('10:30'))?.since).toBe(ms('10:00'));
  });
});

describe('dependencyAt', () => {
  const ev = createEvents();
  const id = dependencyId('web', 'cart');
  it('is critical by default, keeps attributes across partial upserts, and is absent once removed', () => {
    const v = versions('dependency', id, [
      ev.dependencyUpserted(day('10:00'), { from: 'web', to: 'cart', timeoutMs: 100 }),
      ev.dependencyUpserted(day('10:30'), { from: 'web', to: 'cart', critical: false }),
      ev.dependencyRemoved(day('11:00'), { from: 'web', to: 'cart' }),
    ]);
    expect(dependencyAt(id, v, at('10:15'))).toEqual({ from: 'web', to: 'cart', critical: true, rps: null, timeoutMs: 100, protocol: null, since: Date.parse(day('10:00')) });
    // A later upsert changes it; it does not make it new.
    expect(dependencyAt(id, v, at('10:45'))).toMatchObject({ critical: false, timeoutMs: 100, since: Date.parse(day('10:00')) });
    expect(dependencyAt(id, v, at('11:00'))).toBeNull();
  });

  it('comes into being again when upserted after its removal', () => {
    const v = versions('dependency', id, [
      ev.dependencyUpserted(day('10:00'), { from: 'web', to: 'cart' }),
      ev.dependencyRemoved(day('11:00'), { from: 'web', to: 'cart' }),
      ev.dependencyUpserted(day('12:00'), { from: 'web', to: 'cart', rps: 5 }),
      ev.dependencyUpserted(day('12:30'), { from: 'web', to: 'cart', rps: 9 }),
    ]);
    expect(dependencyAt(id, v, at('10:30'))?.since).toBe(Date.parse(day('10:00')));
    expect(dependencyAt(id, v, at('12:45'))).toMatchObject({ rps: 9, since: Date.parse(day('12:00')) });
  });
});

describe('deploys and the running version', () => {
  const ev = createEvents();
  const deploy = (id: string, events: CloudEventInput[], hhmm: string): DeployState => {
    const d = deployAt(id, versions('deploy', id, events), at(hhmm));
    if (!d) throw new Error(`no deploy ${id} at ${hhmm}`);
    return d;
  };
  const d1 = [ev.deployStarted(day('10:00'), { deploy: 'd1', service: 'cart', version: 'v1', previousVersion: 'v0' })];
  const d2 = [
    ev.deployStarted(day('11:00'), { deploy: 'd2', service: 'cart', version: 'v2', previousVersion: 'v1' }),
    ev.deployFinished(day('11:30'), { deploy: 'd2', status: 'rolled_back' }),
  ];

  it('a deploy is in progress until it finishes, and is unknown before it starts', () => {
    expect(deployAt('d2', versions('deploy', 'd2', d2), at('10:30'))).toBeNull();
    expect(deploy('d2', d2, '11:10')).toMatchObject({ status: 'in_progress', finishedAt: null, startedAt: ms('11:00') });
    expect(deploy('d2', d2, '11:30')).toMatchObject({ status: 'rolled_back', finishedAt: ms('11:30') });
  });

  it('the latest deploy runs; a rolled-back one gives way to the one before it', () => {
    expect(runningDeploy([deploy('d1', d1, '11:10'), deploy('d2', d2, '11:10')])).toEqual({ version: 'v2', deploy: 'd2' });
    expect(runningDeploy([deploy('d1', d1, '11:40'), deploy('d2', d2, '11:40')])).toEqual({ version: 'v1', deploy: 'd1' });
  });

  it('when every deploy was rolled back, the version from before the first one runs', () => {
    expect(runningDeploy([deploy('d2', d2, '11:40')])).toEqual({ version: 'v1', deploy: null });
    expect(runningDeploy([])).toBeNull();
  });

  it('of two deploys started at once, the one with the larger (source, id) runs, not the larger deploy id', () => {
    const late = ev.deployStarted(day('10:00'), { deploy: 'a-deploy', service: 'cart', version: 'v-new' }, { source: 'z-ci', id: '1' });
    const early = ev.deployStarted(day('10:00'), { deploy: 'z-deploy', service: 'cart', version: 'v-old' }, { source: 'a-ci', id: '1' });
    expect(runningDeploy([deploy('z-deploy', [early], '10:00'), deploy('a-deploy', [late], '10:00')])?.version).toBe('v-new');
  });
});

describe('config', () => {
  const ev = createEvents();
  const events = [
    ev.configChanged(day('10:00'), { change: 'c1', service: 'cart', key: 'pool', value: 10, services: ['checkout'] }),
    ev.configChanged(day('11:00'), { change: 'c2', service: 'cart', key: 'pool', value: 10 }),
    ev.configChanged(day('12:00'), { change: 'c3', service: 'cart', key: 'pool', value: 20, previousValue: 10 }, { actor: 'ana', actortype: 'human' }),
  ];
  it('a setting has the value of the last change, on every consumer it names', () => {
    const cart = versions('configValue', configValueId('cart', 'pool'), events);
    expect(configValueAt(cart, at('09:00'))).toBeNull();
    expect(configValueAt(cart, at('11:30'))).toEqual({ service: 'cart', key: 'pool', value: 10, change: 'c2', since: ms('11:00') });
    expect(configValueAt(cart, at('12:30'))).toMatchObject({ value: 20, change: 'c3', since: ms('12:00') });
    expect(configValueAt(versions('configValue', configValueId('checkout', 'pool'), events), at('12:30'))).toMatchObject({ value: 10, change: 'c1' });
  });
  it('a change is known from its time, as recorded', () => {
    const c3 = versions('config', 'c3', events, 500);
    expect(configChangeAt('c3', c3, at('11:59'))).toBeNull();
    expect(configChangeAt('c3', c3, at('12:00', 499))).toBeNull();
    expect(configChangeAt('c3', c3, at('12:00'))).toEqual({
      id: 'c3',
      service: 'cart',
      key: 'pool',
      value: 20,
      previousValue: 10,
      dependency: null,
      services: [],
      at: ms('12:00'),
      actor: 'ana',
      actorType: 'human',
    });
  });
});

describe('alertAt', () => {
  const ev = createEvents();
  const v = versions('alert', 'a1', [
    ev.alertFired(day('10:00'), { alert: 'a1', service: 'cart', signal: 'latency', severity: 'warning' }),
    ev.alertResolved(day('10:30'), { alert: 'a1' }),
    ev.alertFired(day('11:00'), { alert: 'a1', service: 'cart', signal: 'latency', severity: 'critical' }),
  ]);
  it('is active between firing and resolution, and a new firing starts a new active period', () => {
    expect(alertAt('a1', v, at('09:59'))).toBeNull();
    expect(alertAt('a1', v, at('10:10'))).toMatchObject({ active: true, firedAt: ms('10:00'), resolvedAt: null, severity: 'warning' });
    expect(alertAt('a1', v, at('10:45'))).toMatchObject({ active: false, firedAt: ms('10:00'), resolvedAt: ms('10:30') });
    expect(alertAt('a1', v, at('11:15'))).toMatchObject({ active: true, firedAt: ms('11:00'), resolvedAt: null, severity: 'critical' });
  });
});

describe('incidents and causal links', () => {
  const ev = createEvents();
  const d1 = { kind: 'deploy', id: 'd1' } as const;
  const cart = { kind: 'service', id: 'cart' } as const;
  it('an incident is open until resolved, then carries its root cause and chain', () => {
    const v = versions('incident', 'i1', [
      ev.incidentOpened(day('10:00'), { incident: 'i1', services: ['cart'], title: 'slow' }),
      ev.incidentResolved(day('11:00'), { incident: 'i1', rootCause: d1, chain: [d1, cart] }),
    ]);
    expect(incidentAt('i1', v, at('09:00'))).toBeNull();
    expect(incidentAt('i1', v, at('10:30'))).toMatchObject({ open: true, resolvedAt: null, rootCause: null, chain: [], title: 'slow' });
    expect(incidentAt('i1', v, at('11:30'))).toMatchObject({ open: false, openedAt: ms('10:00'), resolvedAt: ms('11:00'), rootCause: d1, chain: [d1, cart] });
  });
  it('a causal link has the verdict of the last ruling, since that ruling', () => {
    const events = [ev.causalConfirmed(day('10:00'), { cause: d1, effect: cart }), ev.causalRejected(day('11:00'), { cause: d1, effect: cart, note: 'no' })];
    const v = versions('causal', causalId(d1, cart), events);
    expect(causalLinkAt(v, at('09:00'))).toBeNull();
    expect(causalLinkAt(v, at('10:30'))).toMatchObject({ cause: d1, effect: cart, verdict: 'confirmed', at: ms('10:00') });
    expect(causalLinkAt(v, at('11:30'))).toMatchObject({ verdict: 'rejected', note: 'no', at: ms('11:00') });
  });
  it('a ruling is whole: it does not inherit the note, incident or person of the ruling before it', () => {
    const events = [
      ev.causalConfirmed(day('10:00'), { cause: d1, effect: cart, note: 'pool exhausted', incident: 'i1' }, { actor: 'ana', actortype: 'human' }),
      ev.causalRejected(day('11:00'), { cause: d1, effect: cart }),
    ];
    const v = versions('causal', causalId(d1, cart), events);
    expect(causalLinkAt(v, at('10:30'))).toMatchObject({ note: 'pool exhausted', incident: 'i1', actor: 'ana' });
    expect(causalLinkAt(v, at('11:30'))).toMatchObject({ verdict: 'rejected', note: null, incident: null, actor: null });
  });
});
