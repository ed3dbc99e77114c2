/**
 * The incidents open now, each with its likeliest cause, for the incident primitive
 * (`incident-context.ts`). A person's recorded root cause wins; otherwise ctxgraph's own analysis
 * (`rootCause`) names it.
 *
 * The answer is kept while no incident was opened, resolved or changed (the graph watch's
 * `incident` generation): an incident opened or resolved shows in the next verdict, which waits for
 * the read and an analysis of each new or changed incident (the others' are kept). Past `ttlMs`
 * (default 15 s) with no such change, the kept answer is served while every open incident is
 * analysed afresh behind it, so that evidence that moved a likeliest cause shows within about that
 * time and no proposal waits for an analysis per open incident. Concurrent proposals share one
 * refresh.
 */
import { checkRemedies, resolveOptions, rootCause } from '../analysis/root-cause.js';
import type { RootCauseOptions } from '../analysis/root-cause-types.js';
import { END_OF_TIME } from '../model/time.js';
import type { IncidentState } from '../model/views.js';
import type { GraphReader } from '../store/graph-store.js';
import type { GraphWatch } from '../analysis/blast-radius-watch.js';
import type { OpenIncident } from './incident-context.js';

export interface OpenIncidents {
  current(): Promise<OpenIncident[]>;
}

export const OPEN_INCIDENTS_TTL_MS = 15_000;

/** An incident's analysis, with the signature of what it was drawn from. */
interface Analysed {
  sig: string;
  value: OpenIncident;
}

export function createOpenIncidents(deps: {
  reader: GraphReader;
  watch: GraphWatch;
  now: () => number;
  ttlMs?: number;
  options?: RootCauseOptions;
  /** A refresh behind a verdict that failed: the kept answer stands until the next one. */
  onError?: (e: unknown) => void;
}): OpenIncidents {
  const ttl = deps.ttlMs ?? OPEN_INCIDENTS_TTL_MS;
  const options = deps.options ?? resolveOptions({ limit: 1 });
  let kept: { at: number; generation: string; incidents: OpenIncident[]; analysed: Map<string, Analysed> } | null = null;
  let reading: { generation: string; promise: Promise<OpenIncident[]> } | null = null;

  async function analyse(i: IncidentState, at: number): Promise<OpenIncident> {
    const chainServices = i.chain.filter((e) => e.kind === 'service').map((e) => e.id);
    if (i.rootCause) {
      // A person's word: the cause's service is where the recorded chain starts, or the cause itself.
      const service = i.rootCause.kind === 'service' ? i.rootCause.id : (chainServices[0] ?? null);
      const cause = service === null ? null : { kind: i.rootCause.kind, id: i.rootCause.id, service, confidence: null };
      return { id: i.id, title: i.title, failing: [...new Set([...i.services, ...chainServices])], cause, by: 'person' };
    }
    const r = await rootCause(deps.reader, { incident: i.id }, options);
    const checked = r.ok ? await checkRemedies(deps.reader, r.analysis, { at, knownAt: END_OF_TIME }) : null;
    const top = checked?.candidates[0];
    const remedy = top?.remedy && top.remedy.done === null ? { kind: top.remedy.kind, service: top.remedy.service, why: top.remedy.why } : null;
    const failing = top?.chain.filter((e) => e.kind === 'service').map((e) => e.id) ?? [];
    return {
      id: i.id,
      title: i.title,
      failing: [...new Set([...i.services, ...failing])],
      cause: top ? { kind: top.cause.kind, id: top.cause.id, service: top.service, confidence: top.confidence } : null,
      by: 'analysis',
      remedy,
    };
  }

  /**
   * The open incidents and their causes. `reuse`: analyses kept from the last read, taken again for
   * an incident that did not change (a new incident, or one a person gave a cause, is analysed).
   */
  async function read(at: number, reuse: ReadonlyMap<string, Analysed>): Promise<{ incidents: OpenIncident[]; analysed: Map<string, Analysed> }> {
    const open = (await deps.reader.incidents({ at, knownAt: END_OF_TIME })).filter((i) => i.open);
    const analysed = new Map<string, Analysed>();
    const incidents = await Promise.all(
      open.map(async (i) => {
        const sig = JSON.stringify([i.services, i.title, i.rootCause, i.chain]);
        const kept = reuse.get(i.id);
        const value = kept && kept.sig === sig ? kept.value : await analyse(i, at);
        analysed.set(i.id, { sig, value });
        return value;
      }),
    );
    return { incidents, analysed };
  }

  /** One read per generation at a time: a read begun before incidents changed is not shared after. */
  function refresh(at: number, generation: string, reuse: ReadonlyMap<string, Analysed>): Promise<OpenIncident[]> {
    if (reading && reading.generation === generation) return reading.promise;
    const mine = {
      generation,
      promise: read(at, reuse)
        .then(({ incidents, analysed }) => {
          // A read begun later may have landed first: keep the newest.
          if (!kept || kept.at <= at) kept = { at, generation, incidents, analysed };
          return incidents;
        })
        .finally(() => {
          if (reading === mine) reading = null;
        }),
    };
    reading = mine;
    return mine.promise;
  }

  return {
    async current() {
      const at = deps.now();
      const generation = await deps.watch.generation(['incident'], at);
      // Incidents opened, resolved or changed: the next verdict must see them, so it waits, for an
      // analysis of each new or changed incident only.
      if (!kept || kept.generation !== generation) return refresh(at, generation, kept?.analysed ?? new Map());
      // Only time passed: answer with what is kept and analyse every open incident afresh behind it.
      if (at - kept.at >= ttl) refresh(at, generation, new Map()).catch((e: unknown) => deps.onError?.(e));
      return kept.incidents;
    },
  };
}
