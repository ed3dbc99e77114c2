/**
 * The demo data set `npm start` serves: a shop of 40 services across trust zones, three days of
 * routine deploys, config changes and alerts, then two incidents told as a story.
 *
 * 1. Wednesday 14:02: a deploy of `inventory` reads stock per item instead of in one batch. Its
 *    latency climbs, `checkout` times out on it and pages (INC-2041); the deploy is rolled back.
 * 2. Thursday 10:15: the product cache TTL of `catalog` (shared with `pricing`) is cut from an hour
 *    to a minute. Nothing breaks until the evening sale, when the traffic surge misses the cache,
 *    saturates `catalog-db` and product pages fail (INC-2042). Restoring the TTL ends it.
 *
 * @example
 * const events = demoEvents();            // CloudEvents, ready for pipeline.ingest(events)
 * graphAt({ at: Date.parse(DEMO_NOW) })    // the shop in the middle of the second incident
 */
import type { CloudEventInput, EntityRef } from '../schema/events.js';
import { type Actor, DAY, EventFactory, HOUR, MINUTE } from './event-factory.js';
import { historyEvents } from './history.js';
import { createRandom } from './random.js';
import { type DependencySpec, type Layer, Pools, type ServiceSpec, type Topology, topologyEvents } from './topology.js';
import { World } from './world.js';

export const DEMO_START = '2026-03-02T08:00:00Z';
/** During the second incident: the cache TTL change, the saturated database and the page are all visible. */
export const DEMO_NOW = '2026-03-05T19:15:00Z';
/** Instants worth querying, each in the middle of something. */
export const DEMO_MOMENTS = {
  inventoryIncident: '2026-03-04T14:20:00Z',
  cacheTtlChanged: '2026-03-05T10:30:00Z',
  cacheIncident: DEMO_NOW,
  afterBoth: '2026-03-05T21:00:00Z',
} as const;
export const DEMO_INCIDENTS = { inventory: 'INC-2041', cache: 'INC-2042' } as const;

type Row = [id: string, layer: Layer, zone: string, team: string, tier: number, level: number, engine?: string];
const SERVICES: Row[] = [
  ['web-edge', 'edge', 'edge', 'edge-platform', 1, 0],
  ['mobile-edge', 'edge', 'edge', 'edge-platform', 1, 0],
  ['storefront-bff', 'gateway', 'app', 'web', 1, 0],
  ['mobile-bff', 'gateway', 'app', 'mobile', 1, 0],
  ['checkout', 'domain', 'app', 'checkout', 1, 1],
  ['cart', 'domain', 'app', 'checkout', 1, 2],
  ['catalog', 'domain', 'app', 'catalog', 1, 2],
  ['search', 'domain', 'app', 'discovery', 2, 1],
  ['recommendations', 'domain', 'app', 'discovery', 3, 1],
  ['reviews', 'domain', 'app', 'catalog', 3, 1],
  ['accounts', 'domain', 'app', 'identity', 1, 3],
  ['promotions', 'domain', 'app', 'growth', 2, 3],
  ['pricing', 'domain', 'app', 'catalog', 1, 3],
  ['inventory', 'domain', 'app', 'fulfilment', 1, 3],
  ['payments-gateway', 'domain', 'pci', 'payments', 1, 2],
  ['fraud-check', 'domain', 'pci', 'payments', 1, 3],
  ['billing', 'domain', 'pci', 'payments', 2, 3],
  ['ledger', 'domain', 'pci', 'payments', 1, 4],
  ['orders', 'domain', 'internal', 'checkout', 1, 2],
  ['order-events-worker', 'domain', 'internal', 'fulfilment', 2, 2],
  ['shipping', 'domain', 'internal', 'fulfilment', 2, 3],
  ['notifications', 'domain', 'internal', 'messaging', 3, 3],
  ['email-sender', 'domain', 'internal', 'messaging', 3, 4],
  ['loyalty', 'domain', 'internal', 'growth', 3, 3],
  ['identity', 'domain', 'internal', 'identity', 1, 4],
  ['catalog-db', 'database', 'data', 'catalog', 1, 0, 'postgres'],
  ['catalog-cache', 'cache', 'data', 'catalog', 1, 0, 'redis'],
  ['inventory-db', 'database', 'data', 'fulfilment', 1, 0, 'postgres'],
  ['orders-db', 'database', 'data', 'checkout', 1, 0, 'postgres'],
  ['cart-redis', 'cache', 'data', 'checkout', 1, 0, 'redis'],
  ['search-index', 'database', 'data', 'discovery', 2, 0, 'elasticsearch'],
  ['accounts-db', 'database', 'data', 'identity', 1, 0, 'postgres'],
  ['order-events', 'queue', 'data', 'fulfilment', 2, 0, 'kafka'],
  ['notification-queue', 'queue', 'data', 'messaging', 3, 0, 'sqs'],
  ['payments-db', 'database', 'pci', 'payments', 1, 0, 'postgres'],
  ['ledger-db', 'database', 'pci', 'payments', 1, 0, 'postgres'],
  ['stripe-api', 'external', 'external', 'payments', 1, 0],
  ['twilio-api', 'external', 'external', 'messaging', 3, 0],
  ['sendgrid-api', 'external', 'external', 'messaging', 3, 0],
  ['fedex-api', 'external', 'external', 'fulfilment', 2, 0],
];

/** [from, to, rps, critical]; timeouts and protocols follow from the callee. */
const CALLS: [string, string, number, boolean][] = [
  ['web-edge', 'storefront-bff', 4200, true],
  ['mobile-edge', 'mobile-bff', 2600, true],
  ['storefront-bff', 'catalog', 1800, true],
  ['storefront-bff', 'search', 900, true],
  ['storefront-bff', 'cart', 600, true],
  ['storefront-bff', 'checkout', 150, true],
  ['storefront-bff', 'recommendations', 700, false],
  ['storefront-bff', 'reviews', 400, false],
  ['storefront-bff', 'accounts', 300, true],
  ['mobile-bff', 'catalog', 1100, true],
  ['mobile-bff', 'search', 600, true],
  ['mobile-bff', 'cart', 400, true],
  ['mobile-bff', 'checkout', 110, true],
  ['mobile-bff', 'accounts', 250, true],
  ['mobile-bff', 'recommendations', 300, false],
  ['checkout', 'cart', 260, true],
  ['checkout', 'inventory', 250, true],
  ['checkout', 'pricing', 260, true],
  ['checkout', 'payments-gateway', 240, true],
  ['checkout', 'orders', 240, true],
  ['checkout', 'promotions', 200, false],
  ['checkout', 'accounts', 240, true],
  ['cart', 'cart-redis', 1800, true],
  ['cart', 'pricing', 700, true],
  ['cart', 'inventory', 500, true],
  ['catalog', 'catalog-cache', 5200, false],
  ['catalog', 'catalog-db', 260, true],
  ['search', 'search-index', 1500, true],
  ['search', 'catalog', 300, true],
  ['recommendations', 'catalog', 200, false],
  ['reviews', 'catalog', 100, false],
  ['reviews', 'accounts', 50, true],
  ['pricing', 'catalog-cache', 1200, false],
  ['pricing', 'catalog-db', 120, true],
  ['pricing', 'promotions', 400, false],
  ['promotions', 'accounts', 150, true],
  ['inventory', 'inventory-db', 900, true],
  ['inventory', 'order-events', 40, false],
  ['orders', 'orders-db', 300, true],
  ['orders', 'order-events', 240, true],
  ['payments-gateway', 'fraud-check', 240, true],
  ['payments-gateway', 'stripe-api', 230, true],
  ['payments-gateway', 'payments-db', 500, true],
  ['payments-gateway', 'ledger', 230, true],
  ['fraud-check', 'payments-db', 240, true],
  ['billing', 'ledger', 50, true],
  ['billing', 'payments-db', 40, true],
  ['ledger', 'ledger-db', 300, true],
  ['order-events-worker', 'order-events', 240, true],
  ['order-events-worker', 'shipping', 60, true],
  ['order-events-worker', 'notifications', 240, false],
  ['order-events-worker', 'loyalty', 240, false],
  ['order-events-worker', 'billing', 240, true],
  ['shipping', 'fedex-api', 60, true],
  ['shipping', 'orders', 60, true],
  ['notifications', 'notification-queue', 300, true],
  ['notifications', 'twilio-api', 40, false],
  ['email-sender', 'notification-queue', 300, true],
  ['email-sender', 'sendgrid-api', 250, true],
  ['accounts', 'accounts-db', 900, true],
  ['accounts', 'identity', 500, true],
  ['identity', 'accounts-db', 300, true],
  ['loyalty', 'accounts', 100, false],
];

const SLO: Record<number, number> = { 1: 0.9995, 2: 0.999, 3: 0.995, 4: 0.99 };
const KIND: Record<Layer, ServiceSpec['kind']> = {
  edge: 'service', gateway: 'service', domain: 'service', function: 'function', database: 'database', cache: 'cache', queue: 'queue', external: 'external',
};
const TIMEOUT: Record<Layer, number> = { edge: 30_000, gateway: 10_000, domain: 1_000, function: 3_000, database: 500, cache: 50, queue: 250, external: 5_000 };

function demoTopology(): Topology {
  const services: ServiceSpec[] = SERVICES.map(([id, layer, zone, team, tier, level, engine]) => ({
    id, layer, zone, team, tier, level,
    kind: KIND[layer],
    domain: team,
    slo: { objective: SLO[tier] ?? 0.99, windowDays: 28 },
    tags: engine ? [`engine=${engine}`] : layer === 'external' ? ['vendor=true'] : ['runtime=k8s'],
    engine: engine ?? null,
  }));
  const layerOf = new Map(services.map((s) => [s.id, s.layer]));
  const dependencies: DependencySpec[] = CALLS.map(([from, to, rps, critical]) => {
    const layer = layerOf.get(to);
    if (!layer || !layerOf.has(from)) throw new Error(`demo call ${from} -> ${to} names an unknown service`);
    const engine = services.find((s) => s.id === to)?.engine;
    return { from, to, rps, critical, timeoutMs: TIMEOUT[layer], protocol: engine ?? (layerOf.get(from) === 'edge' || layer === 'external' ? 'https' : 'grpc') };
  });
  return { services, dependencies };
}

const person = (name: string): Actor => ({ actor: `${name}@shop.example`, actortype: 'human' });
const ARGO: Actor = { actor: 'argo-cd', actortype: 'system' };
const svc = (id: string): EntityRef => ({ kind: 'service', id });

/**
 * The demo: the same seed gives the same events. The two incidents are the same for every seed;
 * the seed only varies the routine background of the first days.
 */
export function demoEvents(seed = 2041): CloudEventInput[] {
  const r = createRandom(seed);
  const topology = demoTopology();
  const pools = new Pools(topology.services);
  const world = new World(topology, pools, r);
  const f = new EventFactory('demo');
  const start = Date.parse(DEMO_START);
  const at = (iso: string) => Date.parse(iso);
  const story: CloudEventInput[] = [];
  const ttlKey = 'cache.catalog-cache.ttl_seconds';

  const configChanged = (when: string, service: string, key: string, value: number | string | boolean, actor: Actor, extra: { dependency?: string; services?: string[] } = {}) => {
    const previousValue = world.configValue(service, key);
    const change = `change-${service}-${when.slice(5, 16).replace(/[-:T]/g, '')}`;
    world.setConfig([service, ...(extra.services ?? [])], key, value);
    story.push(f.make('config.changed', at(when), 'config-service', { change, service, key, value, ...(previousValue === undefined ? {} : { previousValue }), ...extra }, service, actor));
    return change;
  };
  const deploy = (when: string, service: string, changes: string[], actor: Actor, finishedAfter: number, status: 'succeeded' | 'rolled_back' = 'succeeded') => {
    const { version, previousVersion } = world.nextVersion(service, status !== 'succeeded');
    const id = `deploy-${service}-${version}`;
    story.push(f.make('deploy.started', at(when), 'argo-cd/prod', { deploy: id, service, version, previousVersion, changes, rolloutPercent: 100 }, service, actor));
    story.push(f.make('deploy.finished', at(when) + finishedAfter, 'argo-cd/prod', { deploy: id, status: 'succeeded' }, service));
    return id;
  };
  const alert = (id: string, when: string, service: string, signal: string, severity: 'critical' | 'warning' | 'info', value: number, summary: string, resolvedAt: string, dependency?: string) => {
    story.push(f.make('alert.fired', at(when), 'alertmanager', { alert: id, service, signal, severity, value, summary, ...(dependency ? { dependency } : {}) }, service));
    story.push(f.make('alert.resolved', at(resolvedAt), 'alertmanager', { alert: id }, service));
  };

  // Monday morning: the product cache TTL is an hour, before the routine week starts.
  configChanged('2026-03-02T09:40:00Z', 'catalog', ttlKey, 3600, person('farah'), { dependency: 'catalog-cache', services: ['pricing'] });
  const background = [
    ...historyEvents(topology, pools, r, f, {
      from: start + 2 * HOUR,
      to: start + 2 * DAY + 4 * HOUR,
      events: 700,
      lateFraction: 0,
      world,
      // Routine only: the week's incidents are the two told below.
      mix: { incident: 0, retirement: 0, dependencyRemoved: 0, dependencyAdded: 0 },
    }),
  ];

  // Incident 1: the inventory deploy.
  deploy('2026-03-04T13:41:00Z', 'recommendations', ['PR #7702: new ranking weights for "similar items"'], ARGO, 6 * MINUTE);
  configChanged('2026-03-04T13:52:00Z', 'cart', 'log.level', 'debug', person('bruno'));
  const inventoryDeploy = deploy(
    '2026-03-04T14:02:00Z',
    'inventory',
    ['PR #4821: read stock per item instead of one batched query', 'PR #4830: bump pg driver to 8.12'],
    ARGO,
    7 * MINUTE,
  );
  alert('alert-inventory-latency', '2026-03-04T14:11:00Z', 'inventory', 'latency', 'critical', 2400, 'inventory p99 latency 2400ms (SLO 300ms)', '2026-03-04T14:38:00Z');
  alert('alert-inventory-db-saturation', '2026-03-04T14:13:00Z', 'inventory-db', 'saturation', 'warning', 88, 'inventory-db CPU at 88%', '2026-03-04T14:36:00Z');
  alert('alert-checkout-inventory-latency', '2026-03-04T14:14:00Z', 'checkout', 'latency', 'critical', 2900, 'checkout -> inventory p99 2900ms, timeouts at 3s', '2026-03-04T14:40:00Z', 'inventory');
  alert('alert-cart-inventory-latency', '2026-03-04T14:15:00Z', 'cart', 'latency', 'warning', 1700, 'cart -> inventory p99 1700ms', '2026-03-04T14:39:00Z', 'inventory');
  story.push(
    f.make('incident.opened', at('2026-03-04T14:17:00Z'), 'pagerduty', { incident: DEMO_INCIDENTS.inventory, services: ['checkout', 'cart', 'inventory'], title: 'Checkout is slow and timing out', severity: 'sev2' }, 'checkout'),
    f.make('deploy.finished', at('2026-03-04T14:31:00Z'), 'argo-cd/prod', { deploy: inventoryDeploy, status: 'rolled_back' }, 'inventory', person('dana')),
    f.make(
      'incident.resolved',
      at('2026-03-04T15:20:00Z'),
      'postmortem-ui',
      { incident: DEMO_INCIDENTS.inventory, rootCause: { kind: 'deploy', id: inventoryDeploy }, chain: [{ kind: 'deploy', id: inventoryDeploy }, svc('inventory'), svc('checkout')] },
      'checkout',
      person('dana'),
    ),
  );
  configChanged('2026-03-04T16:05:00Z', 'cart', 'log.level', 'info', person('bruno'));

  // Incident 2: the cache TTL, the sale and the database.
  const ttlChange = configChanged('2026-03-05T10:15:00Z', 'catalog', ttlKey, 60, person('emeka'), { dependency: 'catalog-cache', services: ['pricing'] });
  alert('alert-catalog-cache-hits', '2026-03-05T10:40:00Z', 'catalog', 'cache_hit_ratio', 'info', 61, 'catalog-cache hit ratio 61% (was 97%)', '2026-03-05T11:40:00Z', 'catalog-cache');
  deploy('2026-03-05T11:30:00Z', 'search', ['PR #5120: synonyms for "sneakers"'], ARGO, 5 * MINUTE);
  deploy('2026-03-05T15:00:00Z', 'reviews', ['PR #3301: paginate review photos'], person('chen'), 8 * MINUTE);
  configChanged('2026-03-05T16:00:00Z', 'checkout', 'feature.express-pay', true, person('ines'), { services: ['payments-gateway'] });
  alert('alert-web-edge-traffic', '2026-03-05T18:55:00Z', 'web-edge', 'traffic', 'warning', 3.4, 'web-edge traffic at 3.4x its weekly baseline (spring sale email)', '2026-03-05T21:30:00Z');
  alert('alert-catalog-db-saturation', '2026-03-05T19:03:00Z', 'catalog-db', 'saturation', 'critical', 98, 'catalog-db connections at 98% of max_connections', '2026-03-05T19:41:00Z');
  alert('alert-catalog-db-latency', '2026-03-05T19:05:00Z', 'catalog', 'latency', 'critical', 1800, 'catalog -> catalog-db p99 1800ms', '2026-03-05T19:42:00Z', 'catalog-db');
  alert('alert-pricing-db-errors', '2026-03-05T19:06:00Z', 'pricing', 'errors', 'warning', 4.5, 'pricing -> catalog-db 4.5% errors', '2026-03-05T19:40:00Z', 'catalog-db');
  alert('alert-storefront-catalog-errors', '2026-03-05T19:08:00Z', 'storefront-bff', 'errors', 'critical', 12, 'storefront-bff -> catalog 12% errors', '2026-03-05T19:44:00Z', 'catalog');
  story.push(
    f.make('incident.opened', at('2026-03-05T19:10:00Z'), 'pagerduty', { incident: DEMO_INCIDENTS.cache, services: ['storefront-bff', 'catalog', 'pricing', 'catalog-db'], title: 'Product pages failing during the spring sale', severity: 'sev1' }, 'storefront-bff'),
  );
  // A first mitigation that does not help: more catalog replicas only add connections to the database.
  configChanged('2026-03-05T19:18:00Z', 'catalog', 'autoscaling.min_replicas', 24, person('farah'));
  configChanged('2026-03-05T19:24:00Z', 'catalog', ttlKey, 3600, person('farah'), { dependency: 'catalog-cache', services: ['pricing'] });
  story.push(
    f.make(
      'incident.resolved',
      at('2026-03-05T20:30:00Z'),
      'postmortem-ui',
      {
        incident: DEMO_INCIDENTS.cache,
        rootCause: { kind: 'config', id: ttlChange },
        chain: [{ kind: 'config', id: ttlChange }, svc('catalog-db'), svc('catalog'), svc('storefront-bff')],
      },
      'storefront-bff',
      person('farah'),
    ),
  );

  const first = story.splice(0, 1);
  story.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return [...topologyEvents(topology, f, start, 30 * MINUTE), ...first, ...background, ...story];
}
