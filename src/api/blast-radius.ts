/** `blastRadius` (CONTRACT §4, §6): what an action on one service would reach, and how similar actions went. */
import { GraphQLError } from 'graphql';
import {
  ACTION_KINDS,
  type ActionHistory as ActionHistoryValue,
  type BlastRadius as BlastRadiusValue,
  type ImpactedService as ImpactedServiceValue,
  type PastAction as PastActionValue,
  type SloAtRisk as SloAtRiskValue,
  type TouchedService as TouchedServiceValue,
} from '../analysis/blast-radius.js';
import { createBlastRadiusReader } from '../analysis/blast-radius-slice.js';
import { builder } from './builder.js';
import { assertCanRead } from './control-context.js';
import { badArgument } from './errors.js';
import { KNOWN_AT } from './instant.js';
import { DateTime } from './scalars.js';

/** The scope fields of an action (ActionInput, ProposeActionInput): as `config.changed` scopes a setting. */
export const SCOPE_SERVICES = 'Other services the change applies to as well (a setting they share): each counts as touched, and so does everything calling it.';
export const SCOPE_DEPENDENCY = 'The callee whose calls the action changes (a setting that governs them, a deploy that adds or changes them): it counts as touched; when it is a cache, so are the databases the changed services call beside it.';
export const SCOPE_KEY = "For a CONFIG_CHANGE, the setting's key: the services and dependency its latest change on the service stated count as touched too (`touched.from` names that change), and `history` is that setting's changes only.";
export const MAX_SCOPE_SERVICES = 100;

/** `services` and `dependency` of an action input, checked: ids as given, a bounded list. */
export function scopeOf(input: { services?: readonly (string | number)[] | null | undefined; dependency?: string | number | null | undefined }, where: string): { services: string[]; dependency: string | null } {
  const services = (input.services ?? []).map(String);
  if (services.length > MAX_SCOPE_SERVICES) throw badArgument(`${where}.services`, `names ${services.length} services; at most ${MAX_SCOPE_SERVICES}`);
  return { services, dependency: input.dependency === null || input.dependency === undefined ? null : String(input.dependency) };
}

export const ActionKind = builder.enumType('ActionKind', { values: ACTION_KINDS });

export const ImpactedService = builder.objectRef<ImpactedServiceValue>('ImpactedService').implement({
  fields: (t) => ({
    service: t.exposeID('service'),
    depth: t.exposeInt('depth', { description: 'Fewest hops from this service to what the action touches (the target, and any `touched` service, is 0).' }),
    critical: t.exposeBoolean('critical', { description: 'Some path to a touched service is critical dependencies only: this service fails with it. Otherwise it is degraded.' }),
    requestShare: t.exposeFloat('requestShare', { description: "Share (0..1) of this service's requests that pass through a touched service, by `rps` on its calls (a call without `rps` carries them all); 1 for a touched service." }),
    tier: t.exposeInt('tier', { nullable: true }),
    zone: t.exposeString('zone', { nullable: true }),
    team: t.exposeString('team', { nullable: true }),
  }),
});

const SloAtRisk = builder.objectRef<SloAtRiskValue>('SloAtRisk').implement({
  description: 'An impacted service with an SLO: its error budget is at risk.',
  fields: (t) => ({
    service: t.exposeID('service'),
    objective: t.exposeFloat('objective'),
    windowDays: t.exposeInt('windowDays'),
    errorBudgetMinutes: t.exposeFloat('errorBudgetMinutes', { description: 'The whole budget of the window in minutes of full outage.' }),
    fails: t.exposeBoolean('fails', { description: 'True when the service fails with what the action touches, false when it is degraded.' }),
  }),
});

const TouchReason = builder.enumType('TouchReason', {
  description: 'Why the action itself touches a service.',
  values: {
    TARGET: { description: 'The service the action is on.' },
    SHARED: { description: 'Named in `services`: it shares the setting or the change.' },
    DEPENDENCY: { description: 'Named as `dependency`: the callee whose calls the action changes (their volume and timing move onto it).' },
    CACHE_ASIDE: { description: 'A database the target (or a service sharing the setting) calls beside the cache named as `dependency`: what the cache no longer answers, it asks of this store.' },
  } as const,
});

const TouchedService = builder.objectRef<TouchedServiceValue>('TouchedService').implement({
  description: 'A service the action touches itself, not only through its callers.',
  fields: (t) => ({
    service: t.exposeID('service'),
    reason: t.field({ type: TouchReason, resolve: (s) => (s.reason === 'cache-aside' ? 'CACHE_ASIDE' : (s.reason.toUpperCase() as 'TARGET' | 'SHARED' | 'DEPENDENCY')) }),
    via: t.exposeID('via', { nullable: true, description: 'For CACHE_ASIDE, the cache whose misses it takes.' }),
    from: t.exposeID('from', { nullable: true, description: "Null when the action stated it; else the earlier change of the same setting (`key`) whose scope it repeats." }),
  }),
});

const PastStatus = builder.enumType('PastActionStatus', { values: ['SUCCEEDED', 'FAILED', 'ROLLED_BACK', 'OPEN'] as const });
const PastOrigin = builder.enumType('PastActionOrigin', { values: ['DEPLOY', 'CONFIG', 'ACTION'] as const });

const PastAction = builder.objectRef<PastActionValue>('PastAction').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    at: t.field({ type: DateTime, resolve: (p) => p.at }),
    origin: t.field({ type: PastOrigin, resolve: (p) => p.origin.toUpperCase() as 'DEPLOY' | 'CONFIG' | 'ACTION' }),
    status: t.field({ type: PastStatus, resolve: (p) => p.status.toUpperCase() as 'SUCCEEDED' | 'FAILED' | 'ROLLED_BACK' | 'OPEN' }),
  }),
});

const ActionHistory = builder.objectRef<ActionHistoryValue>('ActionHistory').implement({
  description: 'Earlier actions of the same kind on the same service: deploys, config changes and recorded agent actions.',
  fields: (t) => ({
    count: t.exposeInt('count'),
    failures: t.exposeInt('failures'),
    rollbacks: t.exposeInt('rollbacks'),
    failureRate: t.exposeFloat('failureRate', { nullable: true, description: 'Of the finished ones; null when none finished.' }),
    rollbackRate: t.exposeFloat('rollbackRate', { nullable: true }),
    recent: t.field({ type: [PastAction], resolve: (h) => h.recent }),
  }),
});

export const BlastRadius = builder.objectRef<BlastRadiusValue>('BlastRadius').implement({
  fields: (t) => ({
    touched: t.field({ type: [TouchedService], description: 'What the action touches itself: the target first, then what `services` and `dependency` name or imply.', resolve: (b) => b.touched }),
    services: t.field({ type: [ImpactedService], description: 'The target (and every touched service) at depth 0, and every service that reaches one.', resolve: (b) => b.services }),
    trafficShare: t.exposeFloat('trafficShare', { nullable: true, description: 'Share (0..1) of the traffic entering production that passes through a touched service; null without entry traffic.' }),
    entryServices: t.exposeIDList('entryServices', { description: 'Entry services (no callers, or in an edge zone) whose traffic reaches a touched service.' }),
    zones: t.exposeStringList('zones', { description: 'Trust zones of the impacted services.' }),
    zonesCrossed: t.exposeStringList('zonesCrossed', { description: "Zones reached other than the target's own." }),
    tier1: t.exposeIDList('tier1', { description: 'Tier-1 services reached, the target included.' }),
    slosAtRisk: t.field({ type: [SloAtRisk], resolve: (b) => b.slosAtRisk }),
    history: t.field({ type: ActionHistory, resolve: (b) => b.history }),
  }),
});

export const ActionInput = builder.inputType('ActionInput', {
  fields: (t) => ({
    kind: t.field({ type: ActionKind, required: true }),
    service: t.id({ required: true }),
    services: t.idList({ required: false, description: SCOPE_SERVICES }),
    dependency: t.id({ required: false, description: SCOPE_DEPENDENCY }),
    key: t.string({ required: false, description: SCOPE_KEY }),
    at: t.field({ type: DateTime, required: false, description: 'Valid time of the action; default now.' }),
    knownAt: t.field({ type: DateTime, required: false, description: KNOWN_AT }),
  }),
});

builder.queryField('blastRadius', (t) =>
  t.field({
    type: BlastRadius,
    description: 'What an action on a service would reach at `at` (default now). An unknown service is an error with code UNKNOWN_SERVICE.',
    args: { action: t.arg({ type: ActionInput, required: true }) },
    resolve: async (_root, { action }, ctx) => {
      if (action.key != null && action.kind !== 'CONFIG_CHANGE') throw badArgument('action.key', `names a setting, so it applies to CONFIG_CHANGE only, not ${action.kind}`);
      const a = { kind: action.kind, service: String(action.service), ...scopeOf(action, 'action'), key: action.key ?? null };
      const t2 = { at: action.at ?? null, knownAt: action.knownAt ?? null };
      let r;
      if (ctx.control) {
        assertCanRead(ctx.control);
        r = await ctx.control.service.blastRadius(a, t2);
      } else {
        // Without the control layer there are no recorded agent actions: history comes from the graph alone.
        const br = await createBlastRadiusReader({ reader: ctx.reader, now: ctx.now }).compute(a, { at: t2.at, knownAt: t2.knownAt ?? ctx.now() });
        r = br.ok ? { ok: true as const, value: br.blastRadius } : { ok: false as const, error: { code: 'UNKNOWN_SERVICE', message: br.message } };
      }
      if (!r.ok) throw new GraphQLError(r.error.message, { extensions: { code: r.error.code } });
      return r.value;
    },
  }),
);
