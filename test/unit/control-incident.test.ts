/**
 * The incident primitive: an action on a symptom of an open incident, or on where its likeliest
 * cause lies, says so in its verdict; the policy decides what acting on a symptom needs.
 */
import { describe, expect, it } from 'vitest';
import { createGraphWatch } from '../../src/analysis/blast-radius-watch.js';
import { rootCause } from '../../src/analysis/root-cause.js';
import type { ActionProposal, PrimitiveLine } from '../../src/control/action.js';
import { incidentLine, type OpenIncident } from '../../src/control/incident-context.js';
import { createOpenIncidents } from '../../src/control/open-incidents.js';
import { createMemorySharedState } from '../../src/control/shared-state/memory.js';
import { ev, production, T0 } from './control-fixtures.js';
import { ann, harness } from './control-harness.js';

const MIN = 60_000;

describe('the incident line', () => {
  const inc = (id: string, failing: string[], cause: OpenIncident['cause'], by: OpenIncident['by'] = 'analysis'): OpenIncident => ({ id, title: null, failing, cause, by });
  const deployOnInventory = { kind: 'deploy', id: 'd1', service: 'inventory', confidence: 0.9 };

  it('names the incident and its likeliest cause when the action treats a symptom, with the outcome the policy sets', () => {
    const open = [inc('INC-7', ['web', 'checkout', 'inventory'], deployOnInventory)];
    expect(incidentLine(['checkout'], open, 'approval')).toEqual({
      primitive: 'incident',
      outcome: 'REQUIRE_APPROVAL',
      message: "checkout is failing in open incident INC-7, whose likeliest cause is deploy d1 on inventory (confidence 0.90, ctxgraph's analysis): the action does not touch it",
    });
    expect(incidentLine(['checkout'], open, 'allow')?.outcome).toBe('ALLOW');
    const withRemedy = [{ ...open[0] as OpenIncident, remedy: { kind: 'ROLLBACK', service: 'inventory', why: 'roll back deploy d1 (v2) to v1' } }];
    expect(incidentLine(['checkout'], withRemedy, 'approval')?.message).toMatch(/: the action does not touch it; its remedy: ROLLBACK inventory \(roll back deploy d1 \(v2\) to v1\)$/);
    expect(incidentLine(['checkout'], open, 'deny')?.outcome).toBe('DENY');
  });

  it("allows, saying so, an action where the cause lies, even when another incident's symptom is touched too", () => {
    const open = [inc('INC-7', ['web', 'inventory'], deployOnInventory)];
    expect(incidentLine(['inventory'], open, 'deny')).toEqual({
      primitive: 'incident',
      outcome: 'ALLOW',
      message: "acts where open incident INC-7's likeliest cause lies: deploy d1 on inventory (confidence 0.90, ctxgraph's analysis)",
    });
    const two = [...open, inc('INC-8', ['inventory', 'search'], { kind: 'config', id: 'c9', service: 'search', confidence: null }, 'person')];
    expect(incidentLine(['inventory'], two, 'deny')).toEqual({
      primitive: 'incident',
      outcome: 'DENY',
      message: 'inventory is failing in open incident INC-8, whose likeliest cause is config c9 on search (named by a person): the action does not touch it',
    });
  });

  it('says nothing when no open incident is concerned, and says so when no cause is known yet', () => {
    expect(incidentLine(['cart'], [inc('INC-7', ['web'], deployOnInventory)], 'deny')).toBeNull();
    expect(incidentLine(['web'], [inc('INC-9', ['web'], null)], 'approval')?.message).toBe('web is failing in open incident INC-9, whose likeliest cause is no cause found yet: the action does not touch it');
  });
});

describe('verdicts during an open incident', () => {
  // A bad deploy on db fails db, then api, then web; INC-1 opens on web.
  const incident = [
    ev('deploy.started', T0 + 10 * MIN, { deploy: 'd-db', service: 'db', version: 'v2' }),
    ev('alert.fired', T0 + 14 * MIN, { alert: 'a-db', service: 'db', signal: 'errors', severity: 'critical' }),
    ev('alert.fired', T0 + 16 * MIN, { alert: 'a-api', service: 'api', signal: 'errors', severity: 'critical', dependency: 'db' }),
    ev('alert.fired', T0 + 18 * MIN, { alert: 'a-web', service: 'web', signal: 'errors', severity: 'critical', dependency: 'api' }),
    ev('incident.opened', T0 + 20 * MIN, { incident: 'INC-1', services: ['web'], title: 'web errors' }),
  ];
  // Nothing but the incident primitive asks for approval here.
  const quiet = { blastRadius: { approval: { trafficShare: 1, tier1: 10 }, deny: { trafficShare: 1, tier1: 11 } }, networkBoundary: { crossZone: 'allow' } };
  const proposal = (kind: ActionProposal['kind'], service: string): ActionProposal => ({
    kind, service, parameters: {}, rolloutPercent: 100, reversible: true, destructive: false, justification: 'mitigate', evidence: ['INC-1'], model: null,
  });
  const lineOf = (reasons: readonly PrimitiveLine[]): PrimitiveLine | undefined => reasons.find((r) => r.primitive === 'incident');

  it('holds a restart of a symptom for approval when the policy asks, and lets a rollback of the cause through', async () => {
    const h = await harness(createMemorySharedState(), { ...quiet, incidents: { symptom: 'approval' } }, incident);
    const restart = await h.control.propose(ann, proposal('RESTART', 'api'));
    if (!restart.ok) throw new Error(restart.error.message);
    expect(restart.value.record.verdict).toBe('REQUIRE_APPROVAL');
    expect(lineOf(restart.value.record.reasons)?.outcome).toBe('REQUIRE_APPROVAL');
    expect(lineOf(restart.value.record.reasons)?.message).toMatch(/^api is failing in open incident INC-1, whose likeliest cause is deploy d-db on db \(confidence 0\.\d\d, ctxgraph's analysis\): the action does not touch it; its remedy: ROLLBACK db \(roll back deploy d-db \(v2\); the version before it is not recorded\)$/);

    const rollback = await h.control.propose(ann, proposal('ROLLBACK', 'db'));
    if (!rollback.ok) throw new Error(rollback.error.message);
    expect(rollback.value.record.verdict).toBe('ALLOW');
    expect(lineOf(rollback.value.record.reasons)?.outcome).toBe('ALLOW');
    expect(lineOf(rollback.value.record.reasons)?.message).toMatch(/^acts where open incident INC-1's likeliest cause lies: deploy d-db on db/);

    // cart calls db but is not failing: no incident concerns it.
    const cart = await h.control.propose(ann, proposal('RESTART', 'cart'));
    if (!cart.ok) throw new Error(cart.error.message);
    expect(lineOf(cart.value.record.reasons)).toBeUndefined();
  });

  it("takes rootCause's remedy as a proposal as it is, and finds it acts where the cause lies", async () => {
    const h = await harness(createMemorySharedState(), { ...quiet, incidents: { symptom: 'approval' } }, incident);
    const r = await rootCause(h.store, { incident: 'INC-1' });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const remedy = r.analysis.candidates[0]?.remedy;
    expect(remedy).toMatchObject({ kind: 'ROLLBACK', service: 'db', parameters: { deploy: 'd-db' } });
    if (!remedy) return;
    const p = await h.control.propose(ann, { ...proposal(remedy.kind, remedy.service), services: remedy.services, dependency: remedy.dependency, parameters: remedy.parameters, justification: remedy.why });
    if (!p.ok) throw new Error(p.error.message);
    expect(p.value.record.verdict).toBe('ALLOW');
    expect(lineOf(p.value.record.reasons)?.message).toMatch(/^acts where open incident INC-1's likeliest cause lies/);
  });

  it('sees an incident opened or resolved in the next verdict, and only says so where the policy allows', async () => {
    const h = await harness(createMemorySharedState(), quiet, incident);
    const first = await h.control.propose(ann, proposal('RESTART', 'api'));
    if (!first.ok) throw new Error(first.error.message);
    // The default policy says it and enforces nothing.
    expect(first.value.record.verdict).toBe('ALLOW');
    expect(lineOf(first.value.record.reasons)?.outcome).toBe('ALLOW');
    expect(lineOf(first.value.record.reasons)?.message).toMatch(/^api is failing in open incident INC-1/);

    const resolved = await h.pipeline.ingest([ev('incident.resolved', h.clock.now - MIN, { incident: 'INC-1' })]);
    expect(resolved.ok).toBe(true);
    const after = await h.control.propose(ann, proposal('RESTART', 'api'));
    if (!after.ok) throw new Error(after.error.message);
    expect(lineOf(after.value.record.reasons)).toBeUndefined();

    const opened = await h.pipeline.ingest([ev('incident.opened', h.clock.now - MIN, { incident: 'INC-2', services: ['cart'] })]);
    expect(opened.ok).toBe(true);
    const cart = await h.control.propose(ann, proposal('RESTART', 'cart'));
    if (!cart.ok) throw new Error(cart.error.message);
    expect(lineOf(cart.value.record.reasons)?.message).toMatch(/^cart is failing in open incident INC-2/);
  });
});

describe('the open incidents kept for verdicts', () => {
  it('waits for a read when incidents changed, and refreshes behind the verdict when only time passed', async () => {
    const { store, pipeline } = await production([ev('incident.opened', T0 + 10 * MIN, { incident: 'INC-1', services: ['web'] })]);
    const clock = { now: T0 + 60 * MIN };
    let reads = 0;
    const reader = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'incidents') reads++;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const open = createOpenIncidents({ reader, watch: createGraphWatch(store), now: () => clock.now, ttlMs: 15_000 });
    expect((await open.current()).map((i) => i.id)).toEqual(['INC-1']);
    expect(reads).toBe(1);
    // Within the TTL, nothing is read again.
    clock.now += 5_000;
    await open.current();
    expect(reads).toBe(1);
    // Past it, the kept answer is served and a refresh starts behind it.
    clock.now += 20_000;
    expect((await open.current()).map((i) => i.id)).toEqual(['INC-1']);
    expect(reads).toBe(2);
    // An incident resolved: the next answer waits for the read and no longer has it.
    const r = await pipeline.ingest([ev('incident.resolved', clock.now - 1_000, { incident: 'INC-1' })]);
    expect(r.ok).toBe(true);
    expect(await open.current()).toEqual([]);
  });
});
