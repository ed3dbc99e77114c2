/**
 * Reads the slice `blastRadius` needs through the GraphReader port: the target's in-neighbourhood,
 * the traffic entering production, and the history of similar actions. A few slice reads per
 * question; the analysis itself stays in `blast-radius.ts`.
 */
import { END_OF_TIME, type Instant } from '../model/time.js';
import type { ConfigChangeState } from '../model/views.js';
import type { GraphReader } from '../store/graph-store.js';
import { type ActionKind, blastRadius, type BlastRadiusResult, type BlastRadiusSlice, entryTraffic, type PastAction } from './blast-radius.js';

/** Deeper than any real call chain: the contract asks for every service that reaches the target. */
const REACH_DEPTH = 10_000;
/** A config change followed within this time by an alert on its service counts as failed. */
const CONFIG_FAILURE_WINDOW_MS = 30 * 60_000;
/**
 * Entry traffic needs the whole graph (a whole-graph read: about half a second on 10,000 services
 * on a busy two-core machine), and it is a coarse aggregate: at "now" it is reused for this long
 * whatever arrives meanwhile, and refreshed in the background once older, so that proposals do not
 * wait for it. A store slice for entry traffic would remove the read; see docs/control.md.
 */
const NOW_CACHE_MS = 60_000;

/** Earlier agent actions with their recorded outcome, kept by the control layer. */
export type ActionOutcomeSource = (service: string, kind: ActionKind, t: Instant) => Promise<PastAction[]>;

export interface BlastRadiusReader {
  /** `t.at` null means now. */
  slice(action: { kind: ActionKind; service: string }, t: { at: number | null; knownAt: number }): Promise<BlastRadiusSlice>;
  compute(action: { kind: ActionKind; service: string }, t: { at: number | null; knownAt: number }): Promise<BlastRadiusResult>;
}

/** Config changes undone by a later change restoring the previous value count as rolled back. */
function configHistory(changes: readonly ConfigChangeState[], alertTimes: readonly number[]): PastAction[] {
  return changes.map((c, i) => {
    const undone = changes.slice(i + 1).some((l) => l.key === c.key && c.previousValue !== null && JSON.stringify(l.value) === JSON.stringify(c.previousValue));
    const alerted = alertTimes.some((a) => a >= c.at && a <= c.at + CONFIG_FAILURE_WINDOW_MS);
    return { id: c.id, at: c.at, origin: 'config', status: undone ? 'rolled_back' : alerted ? 'failed' : 'succeeded' };
  });
}

export function createBlastRadiusReader(deps: { reader: GraphReader; now: () => number; outcomes?: ActionOutcomeSource }): BlastRadiusReader {
  const { reader, now } = deps;
  let exact: { events: number; at: number; knownAt: number; entries: Map<string, number> } | null = null;
  let current: { at: number; entries: Map<string, number> } | null = null;
  let refreshing: Promise<Map<string, number>> | null = null;

  const read = async (t: Instant): Promise<Map<string, number>> => {
    const g = await reader.graphAt(t);
    return entryTraffic(g.services, g.dependencies);
  };

  function refreshNow(t: Instant): Promise<Map<string, number>> {
    refreshing ??= read(t)
      .then((entries) => {
        current = { at: t.at, entries };
        return entries;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  async function entries(t: Instant, atIsNow: boolean): Promise<Map<string, number>> {
    if (atIsNow && t.knownAt === END_OF_TIME) {
      if (!current) return refreshNow(t);
      if (t.at - current.at > NOW_CACHE_MS) refreshNow(t).catch(() => undefined);
      return current.entries;
    }
    const { events } = await reader.stats();
    if (exact && exact.events === events && exact.at === t.at && exact.knownAt === t.knownAt) return exact.entries;
    exact = { events, at: t.at, knownAt: t.knownAt, entries: await read(t) };
    return exact.entries;
  }

  async function history(service: string, kind: ActionKind, t: Instant): Promise<PastAction[]> {
    const recorded = (await deps.outcomes?.(service, kind, t)) ?? [];
    const ids = new Set(recorded.map((r) => r.id));
    if (kind === 'DEPLOY') {
      const deploys = await reader.deploysBetween([service], 0, t);
      return [
        ...recorded,
        ...deploys
          .filter((d) => !ids.has(d.id))
          .map((d): PastAction => ({ id: d.id, at: d.startedAt, origin: 'deploy', status: d.status === 'in_progress' ? 'open' : d.status })),
      ];
    }
    if (kind === 'CONFIG_CHANGE') {
      const changes = await reader.configChangesBetween([service], 0, t);
      const first = changes[0];
      const alerts = first ? await reader.alertsBetween([service], first.at, t) : [];
      return [...recorded, ...configHistory(changes, alerts.map((a) => a.firedAt)).filter((c) => !ids.has(c.id))];
    }
    return recorded;
  }

  async function slice(action: { kind: ActionKind; service: string }, at: { at: number | null; knownAt: number }): Promise<BlastRadiusSlice> {
    const t: Instant = { at: at.at ?? now(), knownAt: at.knownAt };
    const hood = await reader.neighbourhood(action.service, t, REACH_DEPTH, 'in');
    if (!hood) return { target: null, reach: [], dependencies: [], entries: new Map(), history: [] };
    const [e, h] = await Promise.all([entries(t, at.at === null), history(action.service, action.kind, t)]);
    const target = hood.services.find((s) => s.depth === 0)?.service ?? null;
    return { target, reach: hood.services, dependencies: hood.dependencies, entries: e, history: h };
  }

  return {
    slice,
    async compute(action, t) {
      return blastRadius(action, await slice(action, t));
    },
  };
}
