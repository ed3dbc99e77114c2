/**
 * Root cause: ranked causal chains for an incident (CONTRACT §4, §5).
 *
 * `rankCauses` is pure and deterministic: the same slice and options give the same answer.
 * `rootCause` is the thin async edge that gathers the slice through the store's read port.
 *
 * @example
 * const r = await rootCause(store, { incident: 'inc-7' });
 * if (r.ok) console.log(r.analysis.candidates[0]?.cause, r.analysis.candidates[0]?.chain);
 */
import type { GraphReader } from '../store/graph-store.js';
import { type Anomalies, findAnomalies } from './root-cause-anomaly.js';
import { changedBehind, type Context, type Draft } from './root-cause-candidates.js';
import { configDraft, deployDraft } from './root-cause-change.js';
import { serviceDraft } from './root-cause-service.js';
import { buildTopology } from './root-cause-chain.js';
import { gatherRootCauseSlice } from './root-cause-gather.js';
import { hopsOf } from './root-cause-hops.js';
import { remedyDone, remedyOf } from './root-cause-remedy.js';
import { resolveOptions } from './root-cause-options.js';
import { rank } from './root-cause-scoring.js';
import type { Instant } from '../model/time.js';
import type { FailingService, RootCauseAnalysis, RootCauseError, RootCauseOptions, RootCauseQuery, RootCauseSlice } from './root-cause-types.js';
import { byId } from '../model/order.js';

export { resolveOptions } from './root-cause-options.js';
export { gatherRootCauseSlice } from './root-cause-gather.js';
export type * from './root-cause-types.js';

/** Every candidate the slice supports, with its features and evidence, unranked; `ctx` holds what they were drafted from and the changes ruled out. */
export function draftCauses(
  slice: RootCauseSlice,
  options: RootCauseOptions = resolveOptions(),
): { drafts: Draft[]; failing: string[]; ctx: Context } {
  const an = findAnomalies(slice, options);
  const top = buildTopology(slice);
  const ctx: Context = { slice, o: options, an, top, ruledOut: [] };
  const drafts: Draft[] = [];
  const keep = (d: Draft | null): void => {
    if (d) drafts.push(d);
  };
  for (const d of slice.deploys) keep(deployDraft(ctx, d));
  for (const c of slice.configChanges) keep(configDraft(ctx, c));
  for (const a of an.byService.values()) keep(serviceDraft(ctx, a));
  // Latest first: the changes people made around the incident are the ones they ask about.
  ctx.ruledOut.sort((a, b) => b.at - a.at || byId(a.cause.id, b.cause.id));
  return { drafts, failing: [...an.byService.keys()], ctx };
}

/** The episode's failing services, earliest first, as the answer reports them. */
function failingServices(an: Anomalies): FailingService[] {
  return [...an.byService.values()]
    .map((a) => ({ service: a.service, since: a.onset, signals: [...new Set(a.alerts.map((x) => x.signal))].sort(), reportedBy: [...a.blamedBy.keys()].sort() }))
    .sort((a, b) => a.since - b.since || byId(a.service, b.service));
}

/** Ranks the causes of the failure the slice shows, most likely first. */
export function rankCauses(slice: RootCauseSlice, options: RootCauseOptions = resolveOptions()): RootCauseAnalysis {
  const { drafts, failing, ctx } = draftCauses(slice, options);
  const failingNow = failingServices(ctx.an);
  const ranked = rank(drafts, slice.causalLinks, options.weights, options.limit, failing, (d, chain) => hopsOf(ctx, d, chain));
  return {
    incident: slice.incident,
    at: slice.at,
    symptomStart: ctx.an.symptomStart,
    lookbackFrom: slice.from,
    candidates: ranked.map((c) => ({ ...c, remedy: remedyOf(slice, failingNow, c, c.cause.kind === 'service' && changedBehind(ctx, c.service)) })),
    ruledOut: ctx.ruledOut,
    failing: failingNow,
  };
}

export type RootCauseResult = { ok: true; analysis: RootCauseAnalysis } | { ok: false; error: RootCauseError };

/** Gathers the slice for a question and ranks its causes. */
export async function rootCause(reader: GraphReader, query: RootCauseQuery, options: RootCauseOptions = resolveOptions()): Promise<RootCauseResult> {
  const o = { ...options, ...(query.limit === undefined ? {} : { limit: query.limit }), ...(query.lookbackMs === undefined ? {} : { lookbackMs: query.lookbackMs }) };
  const g = await gatherRootCauseSlice(reader, query, o);
  if (!g.ok) return g;
  return { ok: true, analysis: rankCauses(g.slice, o) };
}

/**
 * The answer with each remedy checked against the graph at `t` (now, when asked through the API): a
 * deploy rolled back since, or a setting changed again since, marks its remedy `done`. The analysis
 * itself stays as of the incident's start.
 */
export async function checkRemedies(reader: GraphReader, analysis: RootCauseAnalysis, t: Instant): Promise<RootCauseAnalysis> {
  if (t.at <= analysis.at) return analysis;
  const candidates = await Promise.all(
    analysis.candidates.map(async (c) => {
      if (!c.remedy || c.cause.kind === 'service') return c;
      const deploy = c.cause.kind === 'deploy' ? await reader.deploy(c.cause.id, t) : null;
      const changes = c.cause.kind === 'config' ? await reader.configChangesBetween([c.service], analysis.lookbackFrom, t) : [];
      // Only what came after the cause counts: an earlier value of the setting says nothing.
      const since = changes.find((x) => x.id === c.cause.id)?.at ?? analysis.lookbackFrom;
      const done = remedyDone(c.remedy, c.cause, { deploy, changes: changes.filter((x) => x.at >= since) });
      return done === null ? c : { ...c, remedy: { ...c.remedy, done } };
    }),
  );
  return { ...analysis, candidates };
}
