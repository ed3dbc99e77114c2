/**
 * Days of production history over a topology: episodes drawn from a mix, paced so that exactly the
 * requested number of events spreads over [from, to], and emitted in order of arrival. A small share
 * of events arrives late (after events with a later valid time), as real producers deliver them.
 */
import type { CloudEventInput } from '../schema/events.js';
import {
  alertEpisode,
  configEpisode,
  dependencyAddedEpisode,
  dependencyDriftEpisode,
  dependencyRemovedEpisode,
  deployEpisode,
  EPISODE_KINDS,
  type EpisodeContext,
  type EpisodeKind,
  EVENTS_PER_EPISODE,
  incidentEpisode,
  MAX_EPISODE_EVENTS,
  type Planned,
  retirementEpisode,
  serviceChangeEpisode,
} from './episodes.js';
import { type EventFactory, MINUTE } from './event-factory.js';
import type { Random } from './random.js';
import { TimedQueue } from './timed-queue.js';
import { candidateCall, type Pools, type Topology } from './topology.js';
import { World } from './world.js';

/** Episodes per kind, relative; noise dominates, as it does in production. */
export const DEFAULT_MIX: Record<EpisodeKind, number> = {
  alert: 40,
  deploy: 25,
  config: 14,
  dependencyDrift: 7,
  dependencyAdded: 1,
  dependencyRemoved: 0.8,
  serviceChange: 3,
  retirement: 0.3,
  incident: 0.6,
};

export interface HistoryOptions {
  from: number;
  to: number;
  /** Exactly this many events come out (episodes are cut to fit the last few). */
  events: number;
  /** Share of events delivered late, after up to 30 minutes. Default 0.01. */
  lateFraction?: number;
  mix?: Partial<Record<EpisodeKind, number>>;
  /** State to continue from (and to read afterwards, as the demo does); a fresh one otherwise. */
  world?: World;
}

const SINGLE_EVENT: readonly EpisodeKind[] = ['config', 'dependencyDrift', 'serviceChange'];
/** Deploys and config changes happen mostly in working hours (UTC here). */
const isWorkingHours = (ms: number): boolean => {
  const h = new Date(ms).getUTCHours();
  const d = new Date(ms).getUTCDay();
  return h >= 8 && h < 19 && d !== 0 && d !== 6;
};

export function* historyEvents(topology: Topology, pools: Pools, r: Random, f: EventFactory, options: HistoryOptions): Generator<CloudEventInput> {
  const mix = { ...DEFAULT_MIX, ...options.mix };
  const kinds = EPISODE_KINDS.filter((k) => mix[k] > 0);
  const weights = kinds.map((k) => mix[k]);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const perEpisode = kinds.reduce((a, k) => a + (mix[k] / totalWeight) * EVENTS_PER_EPISODE[k], 0);
  const late = options.lateFraction ?? 0.01;
  const c: EpisodeContext = { world: options.world ?? new World(topology, pools, r), r, f, ids: { alert: 0, deploy: 0, change: 0, incident: 0 }, horizon: options.to };
  const queue = new TimedQueue<CloudEventInput>();
  const play: Record<EpisodeKind, (t: number) => Planned[]> = {
    alert: (t) => alertEpisode(c, t),
    deploy: (t) => deployEpisode(c, t),
    config: (t) => configEpisode(c, t),
    dependencyDrift: (t) => dependencyDriftEpisode(c, t),
    dependencyAdded: (t) => dependencyAddedEpisode(c, t, () => candidateCall(r, pools)),
    dependencyRemoved: (t) => dependencyRemovedEpisode(c, t),
    serviceChange: (t) => serviceChangeEpisode(c, t),
    retirement: (t) => retirementEpisode(c, t),
    incident: (t) => incidentEpisode(c, t),
  };

  let planned = 0;
  let clock = options.from;
  while (planned < options.events) {
    const left = options.events - planned;
    // Pace by what is left, so the last episode lands near `to` whatever the mix drew so far.
    clock += r.exponential(Math.max(0, options.to - clock) / Math.max(1, left / perEpisode));
    while (queue.peekAt() <= clock) yield queue.pop() as CloudEventInput;
    let kind = left < MAX_EPISODE_EVENTS ? r.pick(SINGLE_EVENT) : r.weighted(kinds, weights);
    if ((kind === 'deploy' || kind === 'config') && !isWorkingHours(clock) && r.chance(0.7)) kind = 'alert';
    let events = play[kind](clock);
    // Episodes come back empty when nothing fits (no caller to page, no dependency to drop); a
    // config change always fits, so the count still comes out exact.
    if (events.length === 0 || events.length > left) events = configEpisode(c, clock);
    if (events.length === 0) throw new Error('the generator found no present service to change');
    for (const [at, e] of events) queue.push(r.chance(late) ? at + r.between(1, 30) * MINUTE : at, e);
    planned += events.length;
  }
  while (queue.size > 0) yield queue.pop() as CloudEventInput;
}
