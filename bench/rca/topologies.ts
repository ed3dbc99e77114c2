/**
 * Topologies for the root-cause benchmark: three written by hand after well-known demo systems
 * (Google's Online Boutique, Weaveworks' Sock Shop, FudanSE's Train Ticket, abridged) and layered
 * ones generated from a seed, from 40 to 10,000 services. Two more, after DeathStarBench's Hotel
 * Reservation and Social Network (abridged), are held out: no train split has a case on them.
 */
import { createRandom } from '../random.js';

export type Kind = 'service' | 'database' | 'cache' | 'queue' | 'external';

export interface Topology {
  name: string;
  services: { id: string; kind: Kind }[];
  /** caller -> callee */
  deps: [string, string][];
  /** Services users talk to: where incidents are noticed. */
  entries: string[];
}

function fromLists(name: string, entries: string[], calls: Record<string, string[]>, kinds: Record<string, Kind>): Topology {
  const ids = new Set<string>(entries);
  for (const [from, tos] of Object.entries(calls)) {
    ids.add(from);
    for (const t of tos) ids.add(t);
  }
  return {
    name,
    services: [...ids].sort().map((id) => ({ id, kind: kinds[id] ?? 'service' })),
    deps: Object.entries(calls).flatMap(([from, tos]) => tos.map((to): [string, string] => [from, to])),
    entries,
  };
}

export const onlineBoutique = (): Topology =>
  fromLists(
    'online-boutique',
    ['frontend'],
    {
      frontend: ['productcatalog', 'currency', 'cart', 'recommendation', 'shipping', 'checkout', 'ad'],
      recommendation: ['productcatalog'],
      cart: ['redis-cart'],
      checkout: ['payment', 'email', 'currency', 'cart', 'productcatalog', 'shipping'],
      payment: ['payment-gateway'],
    },
    { 'redis-cart': 'cache', 'payment-gateway': 'external' },
  );

export const sockShop = (): Topology =>
  fromLists(
    'sock-shop',
    ['front-end'],
    {
      'front-end': ['catalogue', 'carts', 'orders', 'user'],
      catalogue: ['catalogue-db'],
      carts: ['carts-db'],
      orders: ['orders-db', 'payment', 'shipping', 'user', 'carts'],
      user: ['user-db'],
      shipping: ['rabbitmq'],
      'queue-master': ['rabbitmq'],
    },
    { 'catalogue-db': 'database', 'carts-db': 'database', 'orders-db': 'database', 'user-db': 'database', rabbitmq: 'queue' },
  );

export const trainTicket = (): Topology =>
  fromLists(
    'train-ticket',
    ['ts-ui-dashboard'],
    {
      'ts-ui-dashboard': ['ts-auth', 'ts-travel', 'ts-travel2', 'ts-preserve', 'ts-order', 'ts-cancel', 'ts-execute', 'ts-admin-basic-info', 'ts-route-plan', 'ts-food', 'ts-consign'],
      'ts-auth': ['ts-user', 'ts-verification-code', 'ts-auth-mongo'],
      'ts-user': ['ts-user-mongo'],
      'ts-travel': ['ts-ticketinfo', 'ts-route', 'ts-train', 'ts-seat', 'ts-order', 'ts-travel-mongo'],
      'ts-travel2': ['ts-ticketinfo', 'ts-route', 'ts-train', 'ts-seat', 'ts-order-other', 'ts-travel2-mongo'],
      'ts-ticketinfo': ['ts-basic'],
      'ts-basic': ['ts-station', 'ts-train', 'ts-route', 'ts-price'],
      'ts-seat': ['ts-config', 'ts-order', 'ts-order-other'],
      'ts-preserve': ['ts-security', 'ts-contacts', 'ts-travel', 'ts-seat', 'ts-assurance', 'ts-food', 'ts-consign', 'ts-user', 'ts-notification', 'ts-order'],
      'ts-security': ['ts-order', 'ts-order-other', 'ts-security-mongo'],
      'ts-order': ['ts-station', 'ts-order-mongo'],
      'ts-order-other': ['ts-station', 'ts-order-other-mongo'],
      'ts-cancel': ['ts-order', 'ts-order-other', 'ts-inside-payment', 'ts-user', 'ts-notification'],
      'ts-inside-payment': ['ts-payment', 'ts-order', 'ts-inside-payment-mongo'],
      'ts-payment': ['ts-payment-mongo', 'bank-gateway'],
      'ts-execute': ['ts-order', 'ts-order-other'],
      'ts-route-plan': ['ts-route', 'ts-travel', 'ts-travel2', 'ts-station'],
      'ts-food': ['ts-station-food', 'ts-train-food', 'ts-travel', 'ts-food-mongo'],
      'ts-consign': ['ts-consign-price', 'ts-consign-mongo'],
      'ts-admin-basic-info': ['ts-station', 'ts-train', 'ts-config', 'ts-price', 'ts-contacts'],
      'ts-contacts': ['ts-contacts-mongo'],
      'ts-notification': ['mail-relay'],
      'ts-station': ['ts-station-mongo'],
      'ts-route': ['ts-route-mongo'],
      'ts-price': ['ts-price-mongo'],
      'ts-config': ['ts-config-mongo'],
      'ts-train': ['ts-train-mongo'],
    },
    {
      'ts-auth-mongo': 'database', 'ts-user-mongo': 'database', 'ts-travel-mongo': 'database', 'ts-travel2-mongo': 'database',
      'ts-security-mongo': 'database', 'ts-order-mongo': 'database', 'ts-order-other-mongo': 'database', 'ts-inside-payment-mongo': 'database',
      'ts-payment-mongo': 'database', 'ts-food-mongo': 'database', 'ts-consign-mongo': 'database', 'ts-contacts-mongo': 'database',
      'ts-station-mongo': 'database', 'ts-route-mongo': 'database', 'ts-price-mongo': 'database', 'ts-config-mongo': 'database',
      'ts-train-mongo': 'database', 'bank-gateway': 'external', 'mail-relay': 'external',
    },
  );

/**
 * A layered call graph: entries on top, services in four layers, and databases, caches, queues and
 * external APIs at the bottom. Each service calls 2 to 4 services of deeper layers.
 */
export function generated(n: number, seed: number): Topology {
  const r = createRandom(seed);
  const entries = Math.max(2, Math.round(n / 250));
  const leaves = Math.round(n * 0.2);
  const middle = n - entries - leaves;
  const layers: string[][] = [Array.from({ length: entries }, (_, i) => `gw-${i}`)];
  const perLayer = Math.ceil(middle / 4);
  for (let l = 0; l < 4; l++) layers.push(Array.from({ length: Math.min(perLayer, middle - l * perLayer) }, (_, i) => `svc-${l}-${i}`));
  const leafKinds: Kind[] = ['database', 'database', 'cache', 'queue', 'external'];
  const services: { id: string; kind: Kind }[] = layers.flat().map((id) => ({ id, kind: 'service' }));
  const leafIds: string[] = [];
  for (let i = 0; i < leaves; i++) {
    const kind = leafKinds[i % leafKinds.length] as Kind;
    const id = `${kind === 'database' ? 'db' : kind}-${i}`;
    leafIds.push(id);
    services.push({ id, kind });
  }
  layers.push(leafIds);
  const deps: [string, string][] = [];
  for (let l = 0; l < layers.length - 1; l++) {
    for (const from of layers[l] as string[]) {
      const k = r.int(2, 4);
      const seen = new Set<string>();
      for (let j = 0; j < k; j++) {
        // Mostly the next layer, sometimes deeper: real call graphs skip layers.
        const target = r.chance(0.75) ? l + 1 : r.int(l + 1, layers.length - 1);
        const to = r.pick(layers[target] as string[]);
        if (seen.has(to)) continue;
        seen.add(to);
        deps.push([from, to]);
      }
    }
  }
  return { name: `generated-${n}`, services, deps, entries: layers[0] as string[] };
}

export function allTopologies(): Topology[] {
  return [onlineBoutique(), sockShop(), trainTicket(), generated(40, 40), generated(200, 200), generated(1000, 1000), generated(10_000, 10_000)];
}

/** DeathStarBench's Hotel Reservation: memcached in front of MongoDB for rates, profiles and reservations. */
export const hotelReservation = (): Topology =>
  fromLists(
    'hotel-reservation',
    ['frontend'],
    {
      frontend: ['search', 'profile', 'recommendation', 'user', 'reservation'],
      search: ['geo', 'rate'],
      geo: ['mongodb-geo'],
      rate: ['memcached-rate', 'mongodb-rate'],
      profile: ['memcached-profile', 'mongodb-profile'],
      recommendation: ['mongodb-recommendation'],
      user: ['mongodb-user'],
      reservation: ['memcached-reserve', 'mongodb-reservation'],
    },
    {
      'mongodb-geo': 'database', 'mongodb-rate': 'database', 'mongodb-profile': 'database', 'mongodb-recommendation': 'database',
      'mongodb-user': 'database', 'mongodb-reservation': 'database', 'memcached-rate': 'cache', 'memcached-profile': 'cache', 'memcached-reserve': 'cache',
    },
  );

/** DeathStarBench's Social Network, abridged: posts composed, stored and fanned out to timelines. */
export const socialNetwork = (): Topology =>
  fromLists(
    'social-network',
    ['nginx-web-server', 'media-frontend'],
    {
      'nginx-web-server': ['compose-post', 'home-timeline', 'user-timeline', 'user', 'social-graph'],
      'media-frontend': ['media-mongodb'],
      'compose-post': ['text', 'media', 'unique-id', 'user', 'user-timeline', 'post-storage', 'write-home-timeline-rabbitmq'],
      'write-home-timeline': ['write-home-timeline-rabbitmq', 'home-timeline-redis', 'social-graph'],
      text: ['url-shorten', 'user-mention'],
      'url-shorten': ['url-shorten-memcached', 'url-shorten-mongodb'],
      'user-mention': ['user-memcached', 'user-mongodb'],
      user: ['user-memcached', 'user-mongodb'],
      'social-graph': ['social-graph-redis', 'social-graph-mongodb', 'user'],
      'home-timeline': ['home-timeline-redis', 'post-storage', 'social-graph'],
      'user-timeline': ['user-timeline-redis', 'user-timeline-mongodb', 'post-storage'],
      'post-storage': ['post-storage-memcached', 'post-storage-mongodb'],
    },
    {
      'media-mongodb': 'database', 'url-shorten-mongodb': 'database', 'user-mongodb': 'database', 'social-graph-mongodb': 'database',
      'user-timeline-mongodb': 'database', 'post-storage-mongodb': 'database', 'url-shorten-memcached': 'cache', 'user-memcached': 'cache',
      'social-graph-redis': 'cache', 'home-timeline-redis': 'cache', 'user-timeline-redis': 'cache', 'post-storage-memcached': 'cache',
      'write-home-timeline-rabbitmq': 'queue',
    },
  );

/** Systems no train split has a case on: what ctxgraph does on a topology it was never tuned on. */
export function heldOutTopologies(): Topology[] {
  return [hotelReservation(), socialNetwork()];
}
