/**
 * A seeded production topology: services in trust zones, owned by teams, and a layered call graph
 * (edge -> BFF/gateway -> domain services -> data stores, caches, queues, externals) whose traffic
 * shrinks with every hop. Domain services sit at levels 1 to 4 and call only deeper levels, so the
 * call graph has no cycles, as in a well-kept production.
 */
import type { DataOf, EventFactory } from './event-factory.js';
import type { Random } from './random.js';

export type Layer = 'edge' | 'gateway' | 'domain' | 'function' | 'database' | 'cache' | 'queue' | 'external';
type ServiceKind = NonNullable<DataOf<'service.upserted'>['kind']>;

export interface ServiceSpec {
  id: string;
  layer: Layer;
  kind: ServiceKind;
  domain: string;
  team: string;
  tier: number;
  zone: string;
  slo: { objective: number; windowDays: number };
  tags: string[];
  /** Domain services: 1 (APIs) to 4 (leaf workers); calls go only to deeper levels. */
  level: number;
  /** Databases, caches, queues: the engine, which is also the protocol used to reach it. */
  engine: string | null;
}

export interface DependencySpec {
  from: string;
  to: string;
  critical: boolean;
  rps: number;
  timeoutMs: number;
  protocol: string;
}

export interface Topology {
  services: ServiceSpec[];
  dependencies: DependencySpec[];
}

const DOMAINS = [
  'checkout', 'cart', 'catalog', 'search', 'pricing', 'inventory', 'orders', 'payments', 'billing', 'shipping',
  'fulfillment', 'returns', 'accounts', 'identity', 'profile', 'notifications', 'recommendations', 'reviews',
  'loyalty', 'promotions', 'fraud', 'ledger', 'tax', 'warehouse', 'media', 'content', 'support', 'sellers', 'ads',
] as const;
/** Domains whose services and stores hold card data. */
const PCI_DOMAINS = new Set(['payments', 'billing', 'ledger', 'fraud', 'tax']);
const ROLES: readonly [string, number][] = [
  ['api', 1], ['service', 2], ['core', 2], ['engine', 3], ['worker', 3], ['reader', 3], ['writer', 3],
  ['scheduler', 3], ['indexer', 4], ['sync', 4], ['adapter', 4], ['projector', 4], ['validator', 4],
];
const EDGES = ['web-edge', 'mobile-edge', 'public-api', 'partner-edge', 'cdn-edge', 'admin-edge'];
const GATEWAYS = ['web-bff', 'mobile-bff', 'graphql-gateway', 'partner-gateway', 'storefront-bff', 'checkout-bff', 'admin-bff', 'internal-gateway'];
const VENDORS = [
  'stripe', 'adyen', 'paypal', 'twilio', 'sendgrid', 'auth0', 'google-maps', 'fedex', 'ups', 'avalara',
  'segment', 'braintree', 'plaid', 'mailgun', 'onfido', 'algolia', 'cloudinary', 'zendesk', 'salesforce',
];
const FUNCTIONS = ['thumbnailer', 'exporter', 'notifier', 'reindexer', 'webhook'];
const LANGS = ['go', 'java', 'kotlin', 'node', 'python', 'rust'];
const SLO_BY_TIER: Record<number, number> = { 1: 0.9995, 2: 0.999, 3: 0.995, 4: 0.99 };

/** Order in which traffic flows; a dependency always goes from a lower rank to a higher one. */
const rank = (s: ServiceSpec): number =>
  s.layer === 'edge' ? 0 : s.layer === 'gateway' ? 1 : s.layer === 'domain' ? 1 + s.level : s.layer === 'function' ? 6 : s.layer === 'external' ? 8 : 7;

class Names {
  private readonly used = new Map<string, number>();
  unique(base: string): string {
    const n = (this.used.get(base) ?? 0) + 1;
    this.used.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  }
}

function layerCounts(n: number): Record<Layer, number> {
  const of = (f: number, min: number) => Math.max(min, Math.round(n * f));
  const c = {
    edge: of(0.01, 1),
    gateway: of(0.04, 1),
    database: of(0.11, 1),
    cache: of(0.07, 1),
    queue: of(0.05, n >= 20 ? 1 : 0),
    external: of(0.03, 1),
    function: of(0.03, 0),
    domain: 0,
  };
  c.domain = n - (c.edge + c.gateway + c.database + c.cache + c.queue + c.external + c.function);
  if (c.domain < 2) throw new RangeError(`services must be at least 8 to fill every layer, got ${n}`);
  return c;
}

function makeServices(r: Random, n: number): ServiceSpec[] {
  const counts = layerCounts(n);
  const names = new Names();
  const domainWeights = DOMAINS.map(() => 1 + r.next() * 3);
  const inDomain = new Map<string, number>();
  const out: ServiceSpec[] = [];
  const add = (layer: Layer, kind: ServiceKind, base: string, domain: string, team: string, tier: number, zone: string, level: number, tags: string[], engine: string | null = null) =>
    out.push({ id: names.unique(base), layer, kind, domain, team, tier, zone, level, tags, engine, slo: { objective: SLO_BY_TIER[tier] ?? 0.99, windowDays: r.pick([28, 30]) } });
  const domainOf = () => r.weighted(DOMAINS, domainWeights);
  const zoneOf = (domain: string, otherwise: string) => (PCI_DOMAINS.has(domain) ? 'pci' : otherwise);

  for (let i = 0; i < counts.edge; i++) add('edge', 'service', EDGES[i % EDGES.length] as string, 'edge', 'edge-platform', 1, 'edge', 0, ['runtime=envoy']);
  for (let i = 0; i < counts.gateway; i++) {
    add('gateway', 'service', GATEWAYS[i % GATEWAYS.length] as string, 'web', 'web-platform', 1, 'app', 0, [`lang=${r.pick(['node', 'go', 'kotlin'])}`, 'runtime=k8s']);
  }
  for (let i = 0; i < counts.domain; i++) {
    const domain = domainOf();
    // The first services of a domain are its API and core service, so every domain has an entry point.
    const k = inDomain.get(domain) ?? 0;
    inDomain.set(domain, k + 1);
    const [role, level] = k < 2 ? (ROLES[k] as [string, number]) : r.pick(ROLES);
    const tier = level === 1 ? r.pick([1, 1, 2]) : level === 2 ? r.pick([1, 2, 2]) : level === 3 ? r.pick([2, 3]) : r.pick([3, 4]);
    const team = `${domain}-squad-${Math.floor(k / 15) + 1}`;
    add('domain', 'service', `${domain}-${role}`, domain, team, tier, zoneOf(domain, level <= 2 ? 'app' : 'internal'), level, [`lang=${r.pick(LANGS)}`, 'runtime=k8s']);
  }
  const store = (layer: Layer, kind: ServiceKind, count: number, engines: readonly string[], weights: readonly number[], suffix: (e: string) => string) => {
    for (let i = 0; i < count; i++) {
      const domain = domainOf();
      const engine = r.weighted(engines, weights);
      const team = r.chance(0.3) ? 'data-platform' : `${domain}-squad-1`;
      add(layer, kind, `${domain}-${suffix(engine)}`, domain, team, r.pick([1, 2, 2]), zoneOf(domain, 'data'), 0, [`engine=${engine}`], engine);
    }
  };
  store('database', 'database', counts.database, ['postgres', 'mysql', 'mongodb'], [60, 25, 15], (e) => (e === 'mongodb' ? 'mongo' : 'db'));
  store('cache', 'cache', counts.cache, ['redis', 'memcached'], [80, 20], (e) => (e === 'redis' ? 'redis' : 'cache'));
  store('queue', 'queue', counts.queue, ['kafka', 'sqs', 'amqp'], [60, 25, 15], (e) => (e === 'kafka' ? 'events' : 'queue'));
  for (let i = 0; i < counts.function; i++) {
    const domain = domainOf();
    add('function', 'function', `${domain}-${r.pick(FUNCTIONS)}-fn`, domain, `${domain}-squad-1`, r.pick([3, 4]), zoneOf(domain, 'internal'), 0, ['runtime=lambda']);
  }
  for (let i = 0; i < counts.external; i++) {
    add('external', 'external', `${VENDORS[i % VENDORS.length] as string}-api`, 'vendor', 'integrations', 2, 'external', 0, ['vendor=true']);
  }
  return out;
}

/** Services grouped for picking: by layer, by layer and domain, and domain services by level. */
export class Pools {
  readonly byLayer = new Map<Layer, ServiceSpec[]>();
  readonly byLayerDomain = new Map<string, ServiceSpec[]>();
  readonly byLevel = new Map<number, ServiceSpec[]>();
  readonly byDomainLevel = new Map<string, ServiceSpec[]>();

  constructor(services: readonly ServiceSpec[]) {
    const push = <K>(m: Map<K, ServiceSpec[]>, k: K, s: ServiceSpec) => {
      const l = m.get(k);
      if (l) l.push(s);
      else m.set(k, [s]);
    };
    for (const s of services) {
      push(this.byLayer, s.layer, s);
      push(this.byLayerDomain, `${s.layer}/${s.domain}`, s);
      if (s.layer === 'domain') {
        push(this.byLevel, s.level, s);
        push(this.byDomainLevel, `${s.domain}/${s.level}`, s);
      }
    }
  }

  layer(l: Layer): ServiceSpec[] {
    return this.byLayer.get(l) ?? [];
  }

  /** A service of `layer`, in `domain` with probability `local` when that domain has one. */
  near(r: Random, layer: Layer, domain: string, local: number): ServiceSpec | undefined {
    const same = this.byLayerDomain.get(`${layer}/${domain}`);
    if (same && r.chance(local)) return r.pick(same);
    const all = this.layer(layer);
    return all.length > 0 ? r.pick(all) : undefined;
  }

  /** A domain service at a level within [lo, hi], preferring `domain`. */
  atLevel(r: Random, lo: number, hi: number, domain: string, local: number): ServiceSpec | undefined {
    if (lo > hi) return undefined;
    const level = r.int(lo, hi);
    const same = this.byDomainLevel.get(`${domain}/${level}`);
    if (same && r.chance(local)) return r.pick(same);
    const all = this.byLevel.get(level);
    return all && all.length > 0 ? r.pick(all) : undefined;
  }
}

const CALLEE_WEIGHTS: readonly [string, number][] = [
  ['domain>domain', 35], ['domain>database', 18], ['domain>cache', 12], ['domain>queue', 8], ['gateway>domain', 10],
  ['domain>external', 4], ['domain>function', 5], ['function>database', 3], ['function>queue', 2], ['edge>gateway', 2],
];

/** One plausible call from the layer rules; undefined when the draw found no callee. */
export function candidateCall(r: Random, pools: Pools): [ServiceSpec, ServiceSpec] | undefined {
  const [pair] = r.weighted(CALLEE_WEIGHTS, CALLEE_WEIGHTS.map(([, w]) => w));
  const [fromLayer, toLayer] = pair.split('>') as [Layer, Layer];
  const froms = pools.layer(fromLayer);
  if (froms.length === 0) return undefined;
  const from = r.pick(froms);
  const to =
    toLayer === 'domain'
      ? pools.atLevel(r, fromLayer === 'domain' ? from.level + 1 : 1, fromLayer === 'domain' ? 4 : 2, from.domain, 0.7)
      : pools.near(r, toLayer, from.domain, toLayer === 'external' || toLayer === 'gateway' ? 0 : 0.85);
  return to ? [from, to] : undefined;
}

/** Each service but the edge gets at least one caller, so nothing is unreachable. */
function structuralCalls(r: Random, services: readonly ServiceSpec[], pools: Pools): [ServiceSpec, ServiceSpec][] {
  const calls: [ServiceSpec, ServiceSpec][] = [];
  const edges = pools.layer('edge');
  const gateways = pools.layer('gateway');
  for (const s of services) {
    let caller: ServiceSpec | undefined;
    switch (s.layer) {
      case 'edge':
        continue;
      case 'gateway':
        caller = r.pick(edges);
        break;
      case 'domain':
        caller = s.level === 1 || r.chance(0.15) ? r.pick(gateways) : (pools.atLevel(r, 1, s.level - 1, s.domain, 0.8) ?? r.pick(gateways));
        break;
      default:
        caller = pools.near(r, 'domain', s.domain, s.layer === 'external' ? 0 : 0.9);
    }
    if (caller) calls.push([caller, s]);
  }
  return calls;
}

const TIMEOUTS: Record<Layer, readonly number[]> = {
  edge: [30_000],
  gateway: [10_000, 15_000],
  domain: [500, 1_000, 2_000, 3_000],
  function: [1_000, 3_000],
  database: [250, 500, 1_000],
  cache: [20, 50, 100],
  queue: [100, 250, 500],
  external: [2_000, 5_000, 10_000],
};
const CRITICAL: Record<Layer, number> = { edge: 1, gateway: 1, domain: 0.75, function: 0.7, database: 0.95, cache: 0.3, queue: 0.4, external: 0.6 };
/** Share of the caller's traffic one call carries, by callee layer: [min, max). */
const FANOUT: Record<Layer, [number, number]> = {
  edge: [1, 1],
  gateway: [0.2, 0.8],
  domain: [0.05, 0.5],
  function: [0.01, 0.1],
  database: [0.3, 1.5],
  cache: [0.5, 2],
  queue: [0.05, 0.3],
  external: [0.005, 0.05],
};

function protocolOf(r: Random, from: ServiceSpec, to: ServiceSpec): string {
  if (to.engine) return to.engine;
  if (from.layer === 'edge' || to.layer === 'external') return 'https';
  return r.chance(0.7) ? 'grpc' : 'http';
}

const round = (x: number): number => Math.max(0.01, Math.round(x * 100) / 100);

/** Traffic enters at the edge and each call carries a share of its caller's inbound rps. */
function withTraffic(r: Random, services: readonly ServiceSpec[], calls: readonly [ServiceSpec, ServiceSpec][]): DependencySpec[] {
  const outOf = new Map<string, number[]>();
  calls.forEach(([from], i) => {
    const l = outOf.get(from.id);
    if (l) l.push(i);
    else outOf.set(from.id, [i]);
  });
  const inbound = new Map<string, number>();
  const deps: DependencySpec[] = calls.map(([from, to]) => ({
    from: from.id,
    to: to.id,
    critical: r.chance(CRITICAL[to.layer]),
    rps: 0,
    timeoutMs: r.pick(TIMEOUTS[to.layer]),
    protocol: protocolOf(r, from, to),
  }));
  const ordered = [...services].sort((a, b) => rank(a) - rank(b));
  for (const s of ordered) {
    const load = s.layer === 'edge' ? r.between(2_000, 30_000) : (inbound.get(s.id) ?? 0);
    for (const i of outOf.get(s.id) ?? []) {
      const [, to] = calls[i] as [ServiceSpec, ServiceSpec];
      const [lo, hi] = FANOUT[to.layer];
      const rps = round(load * r.between(lo, hi));
      (deps[i] as DependencySpec).rps = rps;
      inbound.set(to.id, (inbound.get(to.id) ?? 0) + rps);
    }
  }
  return deps;
}

/**
 * A production of `services` services and (up to) `dependencies` calls, deterministic for `r`'s seed.
 * Fewer calls come back only when the layer rules admit no more distinct pairs.
 */
export function generateTopology(r: Random, services: number, dependencies: number): Topology & { pools: Pools } {
  const specs = makeServices(r, services);
  const pools = new Pools(specs);
  const seen = new Set<string>();
  const calls: [ServiceSpec, ServiceSpec][] = [];
  const add = ([from, to]: [ServiceSpec, ServiceSpec]) => {
    const k = `${from.id}>${to.id}`;
    if (calls.length >= dependencies || from.id === to.id || seen.has(k)) return;
    seen.add(k);
    calls.push([from, to]);
  };
  for (const c of structuralCalls(r, specs, pools)) add(c);
  for (let tries = 0; calls.length < dependencies && tries < dependencies * 20; tries++) {
    const c = candidateCall(r, pools);
    if (c) add(c);
  }
  return { services: specs, dependencies: withTraffic(r, specs, calls), pools };
}

/** The catalogue and the service mesh announce the topology, spread over `spanMs` from `startMs`. */
export function* topologyEvents(t: Topology, f: EventFactory, startMs: number, spanMs: number) {
  const half = spanMs / 2;
  for (const [i, s] of t.services.entries()) {
    yield f.make(
      'service.upserted',
      startMs + Math.floor((i * half) / t.services.length),
      'backstage/catalog',
      { service: s.id, name: s.id, kind: s.kind, team: s.team, tier: s.tier, zone: s.zone, slo: s.slo, tags: s.tags },
      s.id,
      { actor: 'backstage', actortype: 'system' },
    );
  }
  for (const [i, d] of t.dependencies.entries()) {
    yield f.make(
      'dependency.upserted',
      startMs + half + Math.floor((i * half) / Math.max(1, t.dependencies.length)),
      'istio/mesh',
      { from: d.from, to: d.to, critical: d.critical, rps: d.rps, timeoutMs: d.timeoutMs, protocol: d.protocol },
      d.from,
    );
  }
}
