/**
 * Labels, relationship types and depth bounds cannot be query parameters, so the few query
 * templates that need them take them from these fixed tables and from nowhere else. Nothing a
 * caller passes is ever written into query text: `instantiate` in queries.ts refuses any slot
 * value that is not listed here.
 */
import type { FactKind } from '../../model/facts.js';
import type { Direction } from '../graph-store.js';

export const LABEL_OF_KIND = {
  service: 'Service',
  dependency: 'Dependency',
  deploy: 'Deploy',
  config: 'ConfigChange',
  configValue: 'ConfigValue',
  alert: 'Alert',
  incident: 'Incident',
  causal: 'CausalLink',
  action: 'Action',
  prediction: 'Prediction',
  ladder: 'TrustLadder',
} as const satisfies Record<FactKind, string>;

export type Slots = Readonly<Record<string, string>>;

/** The entities that name a service, and the relationship from the service to each. */
export const LINKS = {
  deploy: { LABEL: 'Deploy', REL: 'HAS_DEPLOY' },
  alert: { LABEL: 'Alert', REL: 'HAS_ALERT' },
  configValue: { LABEL: 'ConfigValue', REL: 'HAS_CONFIG_VALUE' },
  config: { LABEL: 'ConfigChange', REL: 'HAS_CONFIG_CHANGE' },
  action: { LABEL: 'Action', REL: 'HAS_ACTION' },
} as const satisfies Record<string, Slots>;

/** The most hops one traversal query expands; deeper reads go on from the last layer. */
export const MAX_HOPS = 8;

const ARROWS: Record<Direction, { IN: string; OUT: string }> = {
  out: { IN: '', OUT: '>' },
  in: { IN: '<', OUT: '' },
  both: { IN: '', OUT: '' },
};

/** The slots of `read-reach.cypher` for a direction and a whole number of hops in 1..MAX_HOPS. */
export function reachSlots(direction: Direction, hops: number): Slots {
  if (!Number.isInteger(hops) || hops < 1 || hops > MAX_HOPS) throw new RangeError(`hops must be a whole number in 1..${MAX_HOPS}, got ${hops}`);
  return { ...ARROWS[direction], HOPS: String(hops) };
}

const kindSlots = Object.values(LABEL_OF_KIND).map((LABEL): Slots => ({ LABEL }));
const hopsRange = Array.from({ length: MAX_HOPS }, (_, i) => i + 1);

/** Every template and every slot assignment it may be instantiated with. */
export const TEMPLATES: Readonly<Record<string, readonly Slots[]>> = {
  'write-facts': kindSlots,
  'read-entity-facts': kindSlots,
  'read-entity-facts-at': kindSlots,
  'read-kind-facts-at': kindSlots,
  'write-links': Object.values(LINKS),
  'read-linked-between': Object.values(LINKS),
  'read-reach': (['out', 'in', 'both'] as const).flatMap((d) => hopsRange.map((h) => reachSlots(d, h))),
};
