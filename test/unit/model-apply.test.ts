import { describe, expect, it } from 'vitest';
import { type CloudEventInput, parseEvent } from '../../schema/events.js';
import { applyEvent, attrsAsRecorded, causalId } from '../../src/model/apply.js';
import { configValueId, dependencyId, eventKey, type Fact } from '../../src/model/facts.js';
import { toMillis } from '../../src/model/time.js';
import { createEvents } from '../support/events.js';

const T = '2026-05-01T10:00:00Z';
const RECORDED = toMillis('2026-05-01T10:00:05Z');

function factsOf(input: CloudEventInput) {
  const r = parseEvent(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return applyEvent(r.event, RECORDED);
}
/** Kind, id and attributes: the part of a fact that depends on the event's type. */
/** What a change listing shows of each fact. */
const shape = (input: CloudEventInput) => factsOf(input).map((f) => ({ kind: f.kind, id: f.id, attrs: attrsAsRecorded(f) }));

describe('applyEvent', () => {
  const ev = createEvents({ source: 'ci' });

  it('stamps every fact with the valid time, the recorded time, the type and the event key', () => {
    const [f] = factsOf(ev.serviceUpserted('2026-05-01T12:00:00+02:00', { service: 'cart' }, { id: '42' }));
    expect(f).toMatchObject({ validFrom: toMillis(T), recordedAt: RECORDED, type: 'service.upserted', key: eventKey('ci', '42') });
  });

  it('service.upserted sets only the attributes it names, and makes the service present', () => {
    expect(shape(ev.serviceUpserted(T, { service: 'cart', tier: 1 }))).toEqual([{ kind: 'service', id: 'cart', attrs: { present: true, tier: 1 } }]);
    expect(shape(ev.serviceUpserted(T, { service: 'cart', tags: { team: 'shop' } }))[0]?.attrs).toEqual({ present: true, tags: ['team=shop'] });
  });

  it('service.retired makes the service absent and touches nothing else', () => {
    expect(shape(ev.serviceRetired(T, { service: 'cart' }))).toEqual([{ kind: 'service', id: 'cart', attrs: { present: false } }]);
  });

  it('dependency.upserted and .removed version one edge, setting critical only when given', () => {
    const id = dependencyId('web', 'cart');
    expect(shape(ev.dependencyUpserted(T, { from: 'web', to: 'cart', rps: 5 }))).toEqual([
      { kind: 'dependency', id, attrs: { from: 'web', to: 'cart', present: true, rps: 5 } },
    ]);
    expect(shape(ev.dependencyUpserted(T, { from: 'web', to: 'cart', critical: false }))[0]?.attrs.critical).toBe(false);
    expect(shape(ev.dependencyRemoved(T, { from: 'web', to: 'cart' }))).toEqual([{ kind: 'dependency', id, attrs: { from: 'web', to: 'cart', present: false } }]);
  });

  it('deploy.started records the version, the start and who deployed; deploy.finished the status and the end', () => {
    const started = shape(ev.deployStarted(T, { deploy: 'd1', service: 'cart', version: 'v2', previousVersion: 'v1' }, { actor: 'bot', actortype: 'agent', actormodel: 'm' }));
    expect(started).toEqual([
      { kind: 'deploy', id: 'd1', attrs: { service: 'cart', version: 'v2', previousVersion: 'v1', startedAt: toMillis(T), actor: 'bot', actorType: 'agent', actorModel: 'm' } },
    ]);
    expect(shape(ev.deployFinished(T, { deploy: 'd1', status: 'rolled_back' }))).toEqual([
      { kind: 'deploy', id: 'd1', attrs: { status: 'rolled_back', finishedAt: toMillis(T) } },
    ]);
  });

  it('keeps a start or end time once, as the valid time, and shows it where the event put it', () => {
    const [fired] = factsOf(ev.alertFired(T, { alert: 'a1', service: 'cart', signal: 'latency', severity: 'critical' }));
    expect(fired?.attrs.firedAt).toBeUndefined();
    expect(Object.keys(attrsAsRecorded(fired as Fact))).toEqual(['service', 'signal', 'active', 'firedAt', 'severity']);
    const [started] = factsOf(ev.deployStarted(T, { deploy: 'd1', service: 'cart', version: 'v2' }));
    expect(Object.keys(attrsAsRecorded(started as Fact))).toEqual(['service', 'version', 'startedAt']);
  });

  it('config.changed records the change and sets the value on each consumer once', () => {
    const facts = shape(ev.configChanged(T, { change: 'c1', service: 'cart', key: 'pool', value: 2, services: ['checkout', 'cart', 'checkout'] }));
    expect(facts[0]).toEqual({ kind: 'config', id: 'c1', attrs: { service: 'cart', key: 'pool', value: 2, services: ['checkout', 'cart', 'checkout'] } });
    expect(facts.slice(1).filter((f) => f.kind === 'configValue').map((f) => f.id).sort()).toEqual(
      [configValueId('cart', 'pool'), configValueId('checkout', 'pool')].sort(),
    );
    expect(facts.find((f) => f.id === configValueId('checkout', 'pool'))?.attrs).toEqual({ service: 'checkout', key: 'pool', value: 2, change: 'c1' });
  });

  it('alert.fired makes the alert active, alert.resolved inactive', () => {
    expect(shape(ev.alertFired(T, { alert: 'a1', service: 'cart', signal: 'latency', dependency: 'db' }))[0]?.attrs).toEqual({
      service: 'cart',
      signal: 'latency',
      active: true,
      firedAt: toMillis(T),
      dependency: 'db',
    });
    expect(shape(ev.alertResolved(T, { alert: 'a1' }))[0]?.attrs).toEqual({ active: false, resolvedAt: toMillis(T) });
  });

  it('incident.opened opens it; incident.resolved closes it and confirms each link of the chain, root cause first', () => {
    expect(shape(ev.incidentOpened(T, { incident: 'i1', services: ['web'] }))[0]?.attrs).toEqual({ services: ['web'], open: true, openedAt: toMillis(T) });
    const d1 = { kind: 'deploy', id: 'd1' } as const;
    const db = { kind: 'service', id: 'db' } as const;
    const web = { kind: 'service', id: 'web' } as const;
    const links = (input: CloudEventInput) => shape(input).filter((f) => f.kind === 'causal').map((f) => f.id);
    expect(links(ev.incidentResolved(T, { incident: 'i1', rootCause: d1, chain: [db, web] }))).toEqual([causalId(d1, db), causalId(db, web)]);
    // A chain that already starts with the root cause does not repeat it.
    expect(links(ev.incidentResolved(T, { incident: 'i1', rootCause: d1, chain: [d1, web] }))).toEqual([causalId(d1, web)]);
    expect(links(ev.incidentResolved(T, { incident: 'i1', chain: [db, web] }))).toEqual([causalId(db, web)]);
    const resolved = shape(ev.incidentResolved(T, { incident: 'i1', rootCause: d1, chain: [db, web] }, { actor: 'ana' }));
    expect(resolved[0]).toEqual({ kind: 'incident', id: 'i1', attrs: { open: false, resolvedAt: toMillis(T), rootCause: d1, chain: [db, web] } });
    expect(resolved[1]?.attrs).toEqual({ verdict: 'confirmed', cause: d1, effect: db, incident: 'i1', note: null, actor: 'ana', actorType: null, actorModel: null });
  });

  it('causal.confirmed and causal.rejected give one link its verdict', () => {
    const cause = { kind: 'config', id: 'c1' } as const;
    const effect = { kind: 'service', id: 'cart' } as const;
    expect(shape(ev.causalConfirmed(T, { cause, effect, note: 'yes' }))).toEqual([
      { kind: 'causal', id: causalId(cause, effect), attrs: { verdict: 'confirmed', cause, effect, note: 'yes', incident: null, actor: null, actorType: null, actorModel: null } },
    ]);
    // A ruling states every field, so it never inherits one from the ruling before it.
    expect(shape(ev.causalRejected(T, { cause, effect, incident: 'i1' }))[0]?.attrs).toMatchObject({ verdict: 'rejected', incident: 'i1', note: null, actor: null });
  });

  it('depends only on the event and the recorded time', () => {
    const e = ev.deployStarted(T, { deploy: 'd9', service: 'cart', version: 'v9' });
    expect(factsOf(e)).toEqual(factsOf(e));
  });
});
