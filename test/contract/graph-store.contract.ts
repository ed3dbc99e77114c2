/**
 * The behaviour every `GraphStore` adapter must have (CONTRACT §1 and the slice reads of the port),
 * written once and run against each adapter. Every scenario goes through the real ingest pipeline
 * with a clock the test controls, so recorded times (and so `knownAt`) are part of what is tested.
 *
 * @example
 * // test/contract/neo4j.contract.test.ts
 * graphStoreContract('neo4j', async () => {
 *   const store = await openNeo4jStore(...);
 *   return { store, close: () => store.close() };
 * }, { differences: { 'neighbourhood-directions': 'why this adapter legitimately differs' } });
 *
 * `open` is called once per scenario and must give an empty store; `close` releases it.
 * A case named in `differences` is skipped and its reason printed: that is where an adapter
 * declares a legitimate difference. Case names (`CONTRACT_CASES`) are stable; add, never rename.
 *
 * Order: `changes`, `deploysBetween`, `configChangesBetween`, `alertsBetween` and `incidents` are
 * asserted in time order (equal times: `changes` by (source, id), the others by entity id); the
 * services and dependencies of `graphAt`, `service().dependsOn/dependedOnBy`, neighbourhoods and
 * `causalLinks` are compared as sets.
 */
import { beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { CloudEventInput } from '../../schema/events.js';
import { createPipeline, type Pipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME, type Instant, toMillis } from '../../src/model/time.js';
import type { GraphSnapshot, GraphStore, Neighbourhood } from '../../src/store/graph-store.js';
import { createEvents, type EventBuilders } from '../support/events.js';

export const CONTRACT_CASES = [
  'partial-upsert',
  'retire-and-revive',
  'removed-dependency-stays-gone',
  'dependency-before-services',
  'critical-default',
  'deploys-and-rollback',
  'config-values',
  'alerts-active',
  'alerts-refired',
  'incidents-and-confirmed-chain',
  'causal-verdicts',
  'equal-time-rule',
  'duplicates',
  'invalid-batch',
  'known-at',
  'neighbourhood-directions',
  'changes-by-service',
  'changes-recorded',
  'window-slices',
] as const;
export type ContractCase = (typeof CONTRACT_CASES)[number];

export interface OpenedStore {
  store: GraphStore;
  close(): Promise<void>;
}

export interface ContractOptions {
  /** Cases this adapter legitimately does differently, each with the reason; they are skipped. */
  differences?: Partial<Record<ContractCase, string>>;
}

/** Valid times in these scenarios are all on one day; `hh:mm` is enough to read them. */
const day = (hhmm: string): string => `2026-05-01T${hhmm}:00Z`;
const ms = (hhmm: string): number => toMillis(day(hhmm));
/** The graph valid at `hh:mm`, as known at `knownAt` (`hh:mm` too; default: everything recorded). */
const at = (hhmm: string, knownAt?: string): Instant => ({ at: ms(hhmm), knownAt: knownAt === undefined ? END_OF_TIME : ms(knownAt) });

const serviceIds = (g: GraphSnapshot): string[] => g.services.map((s) => s.id).sort();
const edges = (g: { dependencies: { from: string; to: string }[] }): string[] => g.dependencies.map((d) => `${d.from}->${d.to}`).sort();
const depths = (n: Neighbourhood | null): Record<string, number> | null =>
  n && Object.fromEntries(n.services.map((s) => [s.service.id, s.depth] as const).sort(([a], [b]) => (a < b ? -1 : 1)));

interface Harness {
  store: GraphStore;
  pipeline: Pipeline;
  ev: EventBuilders;
  /**
   * Ingests one batch, recorded at `recordedAt` (`hh:mm` on the scenario day; default: a second
   * after the previous batch, on the next day, so after every valid time). Fails on an invalid batch.
   */
  ingest(events: CloudEventInput[], recordedAt?: string): Promise<{ accepted: number; duplicates: number }>;
}

export function graphStoreContract(name: string, open: () => Promise<OpenedStore>, options: ContractOptions = {}): void {
  describe(`GraphStore contract: ${name}`, () => {
    let opened: OpenedStore | null = null;
    let h: Harness;

    beforeEach(async () => {
      opened = await open();
      const store = opened.store;
      let clock = toMillis('2026-05-02T00:00:00Z');
      const pipeline = createPipeline({ store, now: () => clock });
      h = {
        store,
        pipeline,
        ev: createEvents({ source: 'contract' }),
        async ingest(events, recordedAt) {
          clock = recordedAt === undefined ? clock + 1000 : ms(recordedAt);
          const r = await pipeline.ingest(events);
          if (!r.ok) throw new Error(`batch rejected: ${JSON.stringify(r.errors)}`);
          return { accepted: r.accepted, duplicates: r.duplicates };
        },
      };
    });

    afterEach(async () => {
      await opened?.close();
      opened = null;
    });

    const scenario = (c: ContractCase, title: string, body: () => Promise<void>): void => {
      const reason = options.differences?.[c];
      if (reason !== undefined) {
        it.skip(`${c}: ${title} (skipped for ${name}: ${reason})`, body);
        console.info(`[contract ${name}] skipping ${c}: ${reason}`);
      } else it(`${c}: ${title}`, body);
    };

    scenario('partial-upsert', 'a partial upsert changes what it names and keeps every other attribute', async () => {
      const { ev } = h;
      await h.ingest([
        ev.serviceUpserted(day('10:00'), { service: 'cart', name: 'Cart', kind: 'service', team: 'shop', tier: 2, zone: 'pci', slo: { objective: 0.999, windowDays: 28 }, tags: ['java'] }),
        ev.serviceUpserted(day('11:00'), { service: 'cart', tier: 1 }),
      ]);
      expect(await h.store.service('cart', at('09:59'))).toBeNull();
      expect((await h.store.service('cart', at('10:30')))?.service).toMatchObject({ tier: 2, team: 'shop' });
      expect((await h.store.service('cart', at('11:30')))?.service).toMatchObject({
        id: 'cart',
        name: 'Cart',
        kind: 'service',
        team: 'shop',
        tier: 1,
        zone: 'pci',
        slo: { objective: 0.999, windowDays: 28 },
        tags: ['java'],
      });
      expect((await h.store.graphAt(at('11:30'))).services.find((s) => s.id === 'cart')?.tier).toBe(1);
    });

    scenario('retire-and-revive', 'retire hides a service and its dependencies; upserting it again shows them as they were', async () => {
      const { ev } = h;
      await h.ingest([
        ev.serviceUpserted(day('10:00'), { service: 'web' }),
        ev.serviceUpserted(day('10:00'), { service: 'cart', team: 'shop', tier: 1 }),
        ev.serviceUpserted(day('10:00'), { service: 'db', kind: 'database' }),
        ev.dependencyUpserted(day('10:00'), { from: 'web', to: 'cart', rps: 50 }),
        ev.dependencyUpserted(day('10:00'), { from: 'cart', to: 'db', critical: false }),
        ev.serviceRetired(day('11:00'), { service: 'cart' }),
        ev.serviceUpserted(day('12:00'), { service: 'cart' }),
      ]);
      const before = await h.store.graphAt(at('10:30'));
      expect(serviceIds(before)).toEqual(['cart', 'db', 'web']);
      expect(edges(before)).toEqual(['cart->db', 'web->cart']);

      const retired = await h.store.graphAt(at('11:30'));
      expect(serviceIds(retired)).toEqual(['db', 'web']);
      expect(edges(retired)).toEqual([]);
      expect(await h.store.service('cart', at('11:30'))).toBeNull();
      expect((await h.store.service('web', at('11:30')))?.dependsOn).toEqual([]);

      const revived = await h.store.graphAt(at('12:30'));
      expect(serviceIds(revived)).toEqual(['cart', 'db', 'web']);
      expect(revived.dependencies.find((d) => d.from === 'web')).toMatchObject({ to: 'cart', rps: 50, critical: true });
      expect(revived.dependencies.find((d) => d.from === 'cart')).toMatchObject({ to: 'db', critical: false });
      expect(revived.services.find((s) => s.id === 'cart')).toMatchObject({ team: 'shop', tier: 1 });
    });

    scenario('removed-dependency-stays-gone', 'a removed dependency stays gone when its service is revived, until upserted again', async () => {
      const { ev } = h;
      await h.ingest([
        ev.serviceUpserted(day('10:00'), { service: 'web' }),
        ev.serviceUpserted(day('10:00'), { service: 'cart' }),
        ev.dependencyUpserted(day('10:00'), { from: 'web', to: 'cart' }),
        ev.dependencyRemoved(day('10:30'), { from: 'web', to: 'cart' }),
        ev.serviceRetired(day('11:00'), { service: 'cart' }),
        ev.serviceUpserted(day('12:00'), { service: 'cart' }),
        ev.dependencyUpserted(day('13:00'), { from: 'web', to: 'cart' }),
      ]);
      expect(edges(await h.store.graphAt(at('10:15')))).toEqual(['web->cart']);
      expect(edges(await h.store.graphAt(at('10:45')))).toEqual([]);
      expect(edges(await h.store.graphAt(at('12:30')))).toEqual([]);
      expect(edges(await h.store.graphAt(at('13:00')))).toEqual(['web->cart']);
    });

    scenario('dependency-before-services', 'a dependency upserted before its services exist appears once both do', async () => {
      const { ev } = h;
      await h.ingest([
        ev.dependencyUpserted(day('09:00'), { from: 'web', to: 'cart', protocol: 'grpc' }),
        ev.serviceUpserted(day('10:00'), { service: 'web' }),
        ev.serviceUpserted(day('11:00'), { service: 'cart' }),
      ]);
      expect(edges(await h.store.graphAt(at('09:30')))).toEqual([]);
      expect(edges(await h.store.graphAt(at('10:30')))).toEqual([]);
      expect((await h.store.service('web', at('10:30')))?.dependsOn).toEqual([]);
      const g = await h.store.graphAt(at('11:00'));
      // Visible once both services exist; `since` is its own: when it was recorded as present.
      expect(g.dependencies).toEqual([{ from: 'web', to: 'cart', critical: true, rps: null, timeoutMs: null, protocol: 'grpc', since: Date.parse(day('09:00')) }]);
    });

    scenario('critical-default', 'a dependency is critical unless it says otherwise, and a later partial upsert keeps that', async () => {
      const { ev } = h;
      await h.ingest([
        ev.serviceUpserted(day('10:00'), { service: 'web' }),
        ev.serviceUpserted(day('10:00'), { service: 'cart' }),
        ev.serviceUpserted(day('10:00'), { service: 'recs' }),
        ev.dependencyUpserted(day('10:00'), { from: 'web', to: 'cart' }),
        ev.dependencyUpserted(day('10:00'), { from: 'web', to: 'recs', critical: false, timeoutMs: 300 }),
        ev.dependencyUpserted(day('11:00'), { from: 'web', to: 'recs', rps: 12 }),
      ]);
      const detail = await h.store.service('web', at('11:30'));
      const byTo = Object.fromEntries((detail?.dependsOn ?? []).map((d) => [d.to, d]));
      expect(byTo.cart?.critical).toBe(true);
      expect(byTo.recs).toMatchObject({ critical: false, timeoutMs: 300, rps: 12 });
    });

    scenario('deploys-and-rollback', 'a deploy sets the running version; a rollback restores the previous one at its finish time, a failure does not', async () => {
      const { ev } = h;
      await h.ingest([
        ev.serviceUpserted(day('09:00'), { service: 'cart' }),
        ev.deployStarted(day('10:00'), { deploy: 'd1', service: 'cart', version: 'v1' }),
        ev.deployFinished(day('10:05'), { deploy: 'd1', status: 'succeeded' }),
        ev.deployStarted(day('11:00'), { deploy: 'd2', service: 'cart', version: 'v2', previousVersion: 'v1', changes: ['pool size 10 -> 2'] }),
        ev.deployFinished(day('11:30'), { deploy: 'd2', status: 'rolled_back' }),
        ev.deployStarted(day('12:00'), { deploy: 'd3', service: 'cart', version: 'v3', previousVersion: 'v1' }),
        ev.deployFinished(day('12:10'), { deploy: 'd3', status: 'failed' }),
      ]);
      const running = async (hhmm: string) => (await h.store.service('cart', at(hhmm)))?.running ?? null;
      expect(await running('09:30')).toBeNull();
      expect(await running('10:30')).toEqual({ version: 'v1', deploy: 'd1' });
      expect(await running('11:29')).toEqual({ version: 'v2', deploy: 'd2' });
      expect((await running('11:30'))?.version).toBe('v1');
      expect((await running('12:30'))?.version).toBe('v3');

      expect(await h.store.deploy('d2', at('11:15'))).toMatchObject({ status: 'in_progress', finishedAt: null, changes: ['pool size 10 -> 2'] });
      expect(await h.store.deploy('d2', at('11:45'))).toMatchObject({ status: 'rolled_back', finishedAt: ms('11:30'), version: 'v2' });
      expect(await h.store.deploy('d3', at('11:45'))).toBeNull();
    });

    scenario('config-values', 'a config change sets the value on its service and on every other consumer of the setting', async () => {
      const { ev } = h;
      await h.ingest([
        ev.serviceUpserted(day('09:00'), { service: 'cart' }),
        ev.serviceUpserted(day('09:00'), { service: 'checkout' }),
        ev.serviceUpserted(day('09:00'), { service: 'payments' }),
        ev.configChanged(day('10:00'), { change: 'c1', service: 'cart', key: 'db.pool', value: 10 }),
        ev.configChanged(day('11:00'), { change: 'c2', service: 'cart', key: 'redis.timeoutMs', value: 200, dependency: 'redis', services: ['checkout'] }),
        ev.configChanged(day('12:00'), { change: 'c3', service: 'cart', key: 'db.pool', value: 20, previousValue: 10 }),
      ]);
      const config = async (service: string, hhmm: string) =>
        Object.fromEntries(((await h.store.service(service, at(hhmm)))?.config ?? []).map((c) => [c.key, c.value]));
      expect(await config('cart', '09:30')).toEqual({});
      expect(await config('cart', '10:30')).toEqual({ 'db.pool': 10 });
      expect(await config('checkout', '10:30')).toEqual({});
      expect(await config('cart', '11:30')).toEqual({ 'db.pool': 10, 'redis.timeoutMs': 200 });
      expect(await config('checkout', '11:30')).toEqual({ 'redis.timeoutMs': 200 });
      expect(await config('payments', '11:30')).toEqual({});
      const pool = (await h.store.service('cart', at('12:30')))?.config.find((c) => c.key === 'db.pool');
      expect(pool).toMatchObject({ value: 20, change: 'c3', since: ms('12:00') });
    });

    scenario('alerts-active', 'an alert is active from its firing until its resolution', async () => {
      const { ev } = h;
      await h.ingest([
        ev.serviceUpserted(day('09:00'), { service: 'cart' }),
        ev.alertFired(day('10:00'), { alert: 'a1', service: 'cart', signal: 'latency', severity: 'critical', value: 2.5 }),
        ev.alertFired(day('10:15'), { alert: 'a2', service: 'cart', signal: 'errors' }),
        ev.alertResolved(day('10:30'), { alert: 'a1' }),
      ]);
      const active = async (hhmm: string) => ((await h.store.service('cart', at(hhmm)))?.activeAlerts ?? []).map((a) => a.id).sort();
      expect(await active('09:59')).toEqual([]);
      expect(await active('10:00')).toEqual(['a1']);
      expect(await active('10:20')).toEqual(['a1', 'a2']);
      expect(await active('10:30')).toEqual(['a2']);
      const a1 = (await h.store.service('cart', at('10:20')))?.activeAlerts.find((a) => a.id === 'a1');
      expect(a1).toMatchObject({ signal: 'latency', severity: 'critical', value: 2.5, firedAt: ms('10:00'), resolvedAt: null });
    });

    scenario('alerts-refired', 'an alert fired again while active keeps its firing time and takes the new level; fired after resolving, it fires anew', async () => {
      const { ev } = h;
      await h.ingest([
        ev.serviceUpserted(day('09:00'), { service: 'cart' }),
        ev.alertFired(day('10:00'), { alert: 'a1', service: 'cart', signal: 'latency', value: 30, baseline: 20 }),
        ev.alertFired(day('10:05'), { alert: 'a1', service: 'cart', signal: 'latency', value: 90, baseline: 20 }),
        ev.alertResolved(day('10:30'), { alert: 'a1' }),
        ev.alertFired(day('11:00'), { alert: 'a1', service: 'cart', signal: 'latency', value: 40, baseline: 20 }),
      ]);
      const a1 = async (hhmm: string) => (await h.store.service('cart', at(hhmm)))?.activeAlerts.find((a) => a.id === 'a1');
      expect(await a1('10:02')).toMatchObject({ value: 30, firedAt: ms('10:00') });
      expect(await a1('10:10')).toMatchObject({ value: 90, baseline: 20, firedAt: ms('10:00') });
      expect(await a1('10:45')).toBeUndefined();
      expect(await a1('11:10')).toMatchObject({ value: 40, firedAt: ms('11:00') });
    });

    scenario('incidents-and-confirmed-chain', 'an incident is open until resolved; its root cause and chain become confirmed causal links', async () => {
      const { ev } = h;
      const d1 = { kind: 'deploy', id: 'd1' } as const;
      const db = { kind: 'service', id: 'db' } as const;
      const web = { kind: 'service', id: 'web' } as const;
      await h.ingest([
        ev.incidentOpened(day('10:00'), { incident: 'i1', services: ['web', 'cart'], title: 'checkout slow', severity: 'sev2' }),
        ev.incidentResolved(day('11:00'), { incident: 'i1', rootCause: d1, chain: [db, web] }),
      ]);
      expect(await h.store.incident('i1', at('09:30'))).toBeNull();
      expect(await h.store.incident('i1', at('10:30'))).toMatchObject({ open: true, services: ['web', 'cart'], title: 'checkout slow', resolvedAt: null });
      expect(await h.store.causalLinks(at('10:30'))).toEqual([]);
      expect(await h.store.incident('i1', at('11:30'))).toMatchObject({ open: false, resolvedAt: ms('11:00'), rootCause: d1, chain: [db, web] });
      const links = (await h.store.causalLinks(at('11:30'))).map((l) => `${l.cause.id}->${l.effect.id} ${l.verdict} ${l.incident}`).sort();
      expect(links).toEqual(['d1->db confirmed i1', 'db->web confirmed i1']);
    });

    scenario('causal-verdicts', 'a person confirms or rejects a causal link; the later ruling stands', async () => {
      const { ev } = h;
      const d1 = { kind: 'deploy', id: 'd1' } as const;
      const c1 = { kind: 'config', id: 'c1' } as const;
      const cart = { kind: 'service', id: 'cart' } as const;
      await h.ingest([
        ev.causalConfirmed(day('10:00'), { cause: d1, effect: cart, incident: 'i1', note: 'pool exhausted after d1' }, { actor: 'ana' }),
        ev.causalRejected(day('11:00'), { cause: c1, effect: cart }),
        ev.causalRejected(day('12:00'), { cause: d1, effect: cart }),
      ]);
      const links = async (hhmm: string) => (await h.store.causalLinks(at(hhmm))).map((l) => `${l.cause.id}->${l.effect.id} ${l.verdict}`).sort();
      expect(await links('09:30')).toEqual([]);
      expect(await links('10:30')).toEqual(['d1->cart confirmed']);
      expect((await h.store.causalLinks(at('10:30')))[0]).toMatchObject({ note: 'pool exhausted after d1', actor: 'ana', incident: 'i1', at: ms('10:00') });
      expect(await links('11:30')).toEqual(['c1->cart rejected', 'd1->cart confirmed']);
      expect(await links('12:30')).toEqual(['c1->cart rejected', 'd1->cart rejected']);
    });

    scenario('equal-time-rule', 'at the same valid time the larger (source, id) wins, whatever the arrival order', async () => {
      const { ev } = h;
      const small = (id: string) => ({ source: 'alpha', id });
      const large = (id: string) => ({ source: 'beta', id });
      const t = day('10:00');
      const sameInstant = '2026-05-01T12:00:00+02:00'; // 10:00Z written with another offset
      await h.ingest([ev.serviceUpserted(day('09:00'), { service: 'web' }), ev.serviceUpserted(day('09:00'), { service: 'db' })]);
      // cart: the smaller key arrives first; search: the larger key arrives first.
      await h.ingest([ev.serviceUpserted(t, { service: 'cart', tier: 3 }, small('1'))]);
      await h.ingest([ev.serviceUpserted(sameInstant, { service: 'cart', tier: 1 }, large('1'))]);
      await h.ingest([ev.serviceUpserted(sameInstant, { service: 'search', tier: 1 }, large('2'))]);
      await h.ingest([ev.serviceUpserted(t, { service: 'search', tier: 3 }, small('2'))]);
      // Retire (larger key) beats upsert at the same time, in both arrival orders.
      await h.ingest([ev.serviceRetired(t, { service: 'db' }, large('3')), ev.serviceUpserted(t, { service: 'db', tier: 2 }, small('3'))]);
      // The same setting changed twice at once.
      await h.ingest([ev.configChanged(t, { change: 'c-b', service: 'web', key: 'pool', value: 'large' }, large('4'))]);
      await h.ingest([ev.configChanged(t, { change: 'c-a', service: 'web', key: 'pool', value: 'small' }, small('4'))]);
      // Fired and resolved at once: the resolution has the larger key.
      await h.ingest([ev.alertResolved(t, { alert: 'a1' }, large('5')), ev.alertFired(t, { alert: 'a1', service: 'web', signal: 'errors' }, small('5'))]);
      // Two deploys of one service at the same time: the larger key's version runs.
      await h.ingest([ev.deployStarted(t, { deploy: 'd-z', service: 'web', version: 'v-small' }, small('6'))]);
      await h.ingest([ev.deployStarted(t, { deploy: 'd-a', service: 'web', version: 'v-large' }, large('6'))]);

      const g = await h.store.graphAt(at('10:00'));
      const tier = (id: string) => g.services.find((s) => s.id === id)?.tier;
      expect(tier('cart')).toBe(1);
      expect(tier('search')).toBe(1);
      expect(serviceIds(g)).not.toContain('db');
      const web = await h.store.service('web', at('10:00'));
      expect(web?.config.map((c) => [c.key, c.value])).toEqual([['pool', 'large']]);
      expect(web?.activeAlerts).toEqual([]);
      expect(web?.running?.version).toBe('v-large');
      // Listings of one instant follow the same order, not the arrival order.
      const listed = (await h.store.changes(ms('10:00'), ms('10:00'), END_OF_TIME, 'cart')).map((c) => `${c.source}/${c.eventId}`);
      expect(listed).toEqual(['alpha/1', 'beta/1']);
      expect((await h.store.changes(ms('10:00'), ms('10:00'), END_OF_TIME)).filter((c) => c.entity === 'search').map((c) => c.source)).toEqual(['alpha', 'beta']);
    });

    scenario('duplicates', 'a repeated (source, id) is acknowledged and changes nothing, also within one batch', async () => {
      const { ev } = h;
      const first = ev.serviceUpserted(day('10:00'), { service: 'cart', tier: 1 }, { source: 'ci', id: '1' });
      expect(await h.ingest([first])).toEqual({ accepted: 1, duplicates: 0 });
      expect(await h.ingest([first])).toEqual({ accepted: 0, duplicates: 1 });
      // Same key, other content: still the same event as far as ctxgraph is concerned.
      const impostor = ev.serviceUpserted(day('11:00'), { service: 'cart', tier: 3 }, { source: 'ci', id: '1' });
      const second = ev.serviceUpserted(day('12:00'), { service: 'cart', team: 'shop' }, { source: 'ci', id: '2' });
      expect(await h.ingest([impostor, second, second])).toEqual({ accepted: 1, duplicates: 2 });

      expect((await h.store.service('cart', at('13:00')))?.service).toMatchObject({ tier: 1, team: 'shop' });
      const changes = await h.store.changes(ms('00:00'), ms('23:59'), END_OF_TIME);
      expect(changes.map((c) => `${c.source}/${c.eventId}`)).toEqual(['ci/1', 'ci/2']);
    });

    scenario('invalid-batch', 'one invalid event rejects the whole batch and leaves the store untouched', async () => {
      const { ev } = h;
      const good = [ev.serviceUpserted(day('10:00'), { service: 'cart' }), ev.serviceUpserted(day('10:00'), { service: 'web' })];
      const bad = { ...ev.serviceUpserted(day('10:00'), { service: 'db' }), data: { service: 'db', tier: 9 } };
      const r = await h.pipeline.ingest([good[0], bad, good[1]]);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors).toEqual([expect.objectContaining({ index: 1, id: bad.id, path: 'data.tier' })]);
      expect(await h.store.graphAt(at('11:00'))).toEqual({ services: [], dependencies: [] });
      expect(await h.store.changes(ms('00:00'), ms('23:59'), END_OF_TIME)).toEqual([]);
      // Nothing was remembered either: the valid events are new when they come again.
      expect(await h.ingest(good)).toEqual({ accepted: 2, duplicates: 0 });
    });

    scenario('known-at', 'the graph as known before a late event was recorded does not show it; after, it does', async () => {
      const { ev } = h;
      await h.ingest([ev.serviceUpserted(day('10:00'), { service: 'cart', tier: 2 }), ev.serviceUpserted(day('10:00'), { service: 'web' })], '10:01');
      // Valid from 10:30, but ctxgraph only hears of it at 12:00.
      await h.ingest([ev.serviceUpserted(day('10:30'), { service: 'cart', tier: 1 }), ev.dependencyUpserted(day('10:30'), { from: 'web', to: 'cart' })], '12:00');

      const before = await h.store.graphAt(at('11:00', '11:59'));
      expect(before.services.find((s) => s.id === 'cart')?.tier).toBe(2);
      expect(edges(before)).toEqual([]);
      expect((await h.store.service('web', at('11:00', '11:59')))?.dependsOn).toEqual([]);

      const after = await h.store.graphAt(at('11:00', '12:00'));
      expect(after.services.find((s) => s.id === 'cart')?.tier).toBe(1);
      expect(edges(after)).toEqual(['web->cart']);
      expect(edges(await h.store.graphAt(at('11:00')))).toEqual(['web->cart']);

      expect(await h.store.graphAt(at('11:00', '10:00'))).toEqual({ services: [], dependencies: [] });
      expect((await h.store.changes(ms('10:00'), ms('11:00'), ms('11:59'))).map((c) => c.entity).sort()).toEqual(['cart', 'web']);
    });

    scenario('neighbourhood-directions', 'the neighbourhood follows dependencies out, in or both ways, to the depth asked, each service at its fewest hops', async () => {
      const { ev } = h;
      await h.ingest([
        ...['web', 'cart', 'db', 'cache', 'search', 'lonely'].map((service) => ev.serviceUpserted(day('09:00'), { service })),
        ev.dependencyUpserted(day('09:00'), { from: 'web', to: 'cart' }),
        ev.dependencyUpserted(day('09:00'), { from: 'cart', to: 'db' }),
        ev.dependencyUpserted(day('09:00'), { from: 'cart', to: 'cache', critical: false }),
        ev.dependencyUpserted(day('09:00'), { from: 'search', to: 'db' }),
        ev.dependencyUpserted(day('09:00'), { from: 'web', to: 'db' }),
        ev.serviceRetired(day('11:00'), { service: 'cart' }),
      ]);
      const t = at('10:00');
      const n = (id: string, depth: number, dir: 'out' | 'in' | 'both') => h.store.neighbourhood(id, t, depth, dir);
      expect(depths(await n('cart', 1, 'out'))).toEqual({ cache: 1, cart: 0, db: 1 });
      expect(depths(await n('cart', 1, 'in'))).toEqual({ cart: 0, web: 1 });
      expect(depths(await n('web', 2, 'out'))).toEqual({ cache: 2, cart: 1, db: 1, web: 0 });
      expect(edges((await n('web', 2, 'out')) ?? { dependencies: [] })).toEqual(['cart->cache', 'cart->db', 'web->cart', 'web->db']);
      expect(depths(await n('db', 2, 'in'))).toEqual({ cart: 1, db: 0, search: 1, web: 1 });
      expect(depths(await n('db', 1, 'both'))).toEqual({ cart: 1, db: 0, search: 1, web: 1 });
      expect(depths(await n('cache', 2, 'both'))).toEqual({ cache: 0, cart: 1, db: 2, web: 2 });
      expect(depths(await n('cart', 0, 'both'))).toEqual({ cart: 0 });
      expect(depths(await n('lonely', 3, 'both'))).toEqual({ lonely: 0 });
      expect(await n('nobody', 1, 'both')).toBeNull();
      // Once cart is retired, nothing is reached through it.
      expect(depths(await h.store.neighbourhood('web', at('11:30'), 3, 'out'))).toEqual({ db: 1, web: 0 });
      expect(await h.store.neighbourhood('cart', at('11:30'), 1, 'both')).toBeNull();
    });

    scenario('changes-recorded', 'what was recorded after an instant, whatever its valid time, oldest record first, and the latest recording time', async () => {
      const { ev } = h;
      expect((await h.store.stats()).lastRecordedAt).toBe(0);
      await h.ingest([ev.serviceUpserted(day('09:00'), { service: 'web' }), ev.serviceUpserted(day('09:00'), { service: 'cart' })], '13:00');
      await h.ingest([ev.configChanged(day('10:20'), { change: 'c1', service: 'web', key: 'retries', value: 3, services: ['cart'] })], '14:00');
      // Dated a day before the config change, recorded after it: a late event.
      await h.ingest([ev.alertFired(day('08:00'), { alert: 'a1', service: 'cart', signal: 'latency' }), ev.deployStarted(day('08:05'), { deploy: 'd1', service: 'cart', version: 'v1' })], '15:00');
      await h.ingest([ev.deployFinished(day('08:10'), { deploy: 'd1', status: 'succeeded' })], '16:00');
      const after = async (hhmm: string) => (await h.store.changesRecordedAfter(ms(hhmm))).map((c) => `${c.type} ${c.entity}`);
      expect(await after('13:30')).toEqual(['config.changed c1', 'alert.fired a1', 'deploy.started d1', 'deploy.finished d1']);
      expect(await after('14:00')).toEqual(['alert.fired a1', 'deploy.started d1', 'deploy.finished d1']);
      expect(await after('16:00')).toEqual([]);
      // A finish names no service: it is the deploy's, as in every change listing.
      const finished = (await h.store.changesRecordedAfter(ms('15:30')))[0];
      expect(finished).toMatchObject({ at: ms('08:10'), recordedAt: ms('16:00'), services: ['cart'] });
      expect((await h.store.stats()).lastRecordedAt).toBe(ms('16:00'));
    });

    scenario('changes-by-service', 'changes between two instants, inclusive, in time order, and only those touching a service when asked', async () => {
      const { ev } = h;
      await h.ingest([
        ev.serviceUpserted(day('09:00'), { service: 'web' }),
        ev.serviceUpserted(day('09:00'), { service: 'cart' }),
        ev.dependencyUpserted(day('10:00'), { from: 'web', to: 'cart' }),
        ev.deployStarted(day('10:05'), { deploy: 'd1', service: 'cart', version: 'v1' }),
        ev.deployFinished(day('10:10'), { deploy: 'd1', status: 'succeeded' }),
        ev.configChanged(day('10:20'), { change: 'c1', service: 'web', key: 'retries', value: 3 }),
        ev.configChanged(day('10:25'), { change: 'c2', service: 'payments', key: 'timeout', value: 1, services: ['cart'] }),
        ev.alertFired(day('10:30'), { alert: 'a1', service: 'cart', signal: 'latency' }),
        ev.alertResolved(day('10:35'), { alert: 'a1' }),
        ev.alertFired(day('10:40'), { alert: 'a2', service: 'web', signal: 'errors' }),
        ev.serviceUpserted(day('11:00'), { service: 'cart', tier: 1 }),
      ]);
      const list = async (from: string, to: string, service?: string) =>
        (await h.store.changes(ms(from), ms(to), END_OF_TIME, service)).map((c) => `${c.type} ${c.entity.replace('\u001f', '->')}`);
      expect(await list('10:00', '10:40', 'cart')).toEqual([
        'dependency.upserted web->cart',
        'deploy.started d1',
        'deploy.finished d1',
        'config.changed c2',
        'alert.fired a1',
        'alert.resolved a1',
      ]);
      expect(await list('10:10', '10:30', 'cart')).toEqual(['deploy.finished d1', 'config.changed c2', 'alert.fired a1']);
      expect(await list('10:10', '10:40', 'web')).toEqual(['config.changed c1', 'alert.fired a2']);
      expect(await list('10:15', '10:45')).toEqual(['config.changed c1', 'config.changed c2', 'alert.fired a1', 'alert.resolved a1', 'alert.fired a2']);
      const finished = (await h.store.changes(ms('10:10'), ms('10:10'), END_OF_TIME, 'cart'))[0];
      expect(finished).toMatchObject({ at: ms('10:10'), source: 'contract', services: ['cart'], attrs: { status: 'succeeded' } });
    });

    scenario('window-slices', 'deploys, config changes and alerts in a window, incidents and causal links, each with its state at the instant', async () => {
      const { ev } = h;
      await h.ingest([
        ev.serviceUpserted(day('09:00'), { service: 'cart' }),
        ev.serviceUpserted(day('09:00'), { service: 'web' }),
        ev.deployStarted(day('09:30'), { deploy: 'd0', service: 'cart', version: 'v0' }),
        ev.deployStarted(day('10:00'), { deploy: 'd1', service: 'cart', version: 'v1' }, { actor: 'bot', actortype: 'agent', actormodel: 'm-1' }),
        ev.deployFinished(day('10:20'), { deploy: 'd1', status: 'rolled_back' }),
        ev.deployStarted(day('10:10'), { deploy: 'd2', service: 'web', version: 'w2' }),
        ev.deployStarted(day('10:10'), { deploy: 'd0b', service: 'web', version: 'w1' }),
        ev.deployStarted(day('11:30'), { deploy: 'd3', service: 'cart', version: 'v3' }),
        ev.configChanged(day('10:05'), { change: 'c1', service: 'cart', key: 'pool', value: 2, previousValue: 10 }, { actor: 'ana' }),
        ev.configChanged(day('10:06'), { change: 'c2', service: 'web', key: 'timeout', value: 5, dependency: 'cart' }),
        ev.configChanged(day('10:07'), { change: 'c3', service: 'web', key: 'retries', value: 1 }),
        ev.alertFired(day('09:00'), { alert: 'a0', service: 'cart', signal: 'traffic' }),
        // Begun before the window and touched inside it: listed only when it began again inside.
        ev.deployFinished(day('10:05'), { deploy: 'd0', status: 'succeeded' }),
        ev.alertFired(day('09:50'), { alert: 'a4', service: 'cart', signal: 'saturation' }),
        ev.alertResolved(day('10:10'), { alert: 'a4' }),
        ev.alertFired(day('09:40'), { alert: 'a5', service: 'web', signal: 'errors' }),
        ev.alertResolved(day('09:45'), { alert: 'a5' }),
        ev.alertFired(day('10:25'), { alert: 'a5', service: 'web', signal: 'errors' }),
        ev.alertFired(day('10:15'), { alert: 'a1', service: 'cart', signal: 'errors' }),
        ev.alertResolved(day('10:40'), { alert: 'a1' }),
        ev.alertFired(day('10:16'), { alert: 'a2', service: 'web', signal: 'latency', dependency: 'cart' }),
        ev.incidentOpened(day('10:30'), { incident: 'i1', services: ['web'] }),
        ev.incidentOpened(day('10:50'), { incident: 'i2', services: ['cart'] }),
        ev.incidentResolved(day('11:00'), { incident: 'i1', rootCause: { kind: 'deploy', id: 'd1' }, chain: [{ kind: 'deploy', id: 'd1' }, { kind: 'service', id: 'web' }] }),
      ]);
      const t = at('11:00');
      // Each window listing is in time order.
      const deploys = await h.store.deploysBetween(['cart', 'web'], ms('10:00'), t);
      expect(deploys.map((d) => [d.id, d.status])).toEqual([['d1', 'rolled_back'], ['d0b', 'in_progress'], ['d2', 'in_progress']]);
      expect(deploys[0]).toMatchObject({ version: 'v1', actor: 'bot', actorType: 'agent', actorModel: 'm-1', finishedAt: ms('10:20') });
      expect((await h.store.deploysBetween(['cart'], ms('10:00'), at('10:15'))).map((d) => [d.id, d.status])).toEqual([['d1', 'in_progress']]);

      const configs = await h.store.configChangesBetween(['cart'], ms('10:00'), t);
      expect(configs.map((c) => c.id)).toEqual(['c1', 'c2']); // c2 governs calls to cart
      expect(configs[0]).toMatchObject({ service: 'cart', key: 'pool', value: 2, previousValue: 10, at: ms('10:05'), actor: 'ana' });

      const alerts = await h.store.alertsBetween(['web', 'cart'], ms('10:00'), t);
      expect(alerts.map((a) => [a.id, a.active])).toEqual([['a1', false], ['a2', true], ['a5', true]]);
      expect(alerts[0]).toMatchObject({ resolvedAt: ms('10:40'), firedAt: ms('10:15') });
      expect(alerts[1]).toMatchObject({ dependency: 'cart', signal: 'latency' });
      expect(alerts[2]).toMatchObject({ firedAt: ms('10:25') });

      expect((await h.store.incidents(at('10:55'))).map((i) => [i.id, i.open])).toEqual([['i1', true], ['i2', true]]);
      expect((await h.store.incidents(at('11:00'))).map((i) => [i.id, i.open])).toEqual([['i1', false], ['i2', true]]);
      expect((await h.store.incidents(at('10:40'))).map((i) => i.id)).toEqual(['i1']);
      expect((await h.store.causalLinks(t)).map((l) => [l.cause.id, l.effect.id, l.verdict])).toEqual([['d1', 'web', 'confirmed']]);
    });
  });
}
