/**
 * Trust: `errorBudgets`, `calibration`, `calibrationBy`, `readiness`, `trustLadder`, `trustLadders`
 * and `trustVerdict`, and the `promoteAgent` mutation. The rules live in src/trust; these fields
 * validate, call the trust service and shape the answer.
 */
import type { BurnAlert as BurnAlertValue } from '../trust/error-budget.js';
import type { LadderCheck as LadderCheckValue, LadderState, LadderTransition as LadderTransitionValue } from '../trust/ladder.js';
import type { Calibration as CalibrationValue, CalibrationSlice as CalibrationSliceValue, ReliabilityBin as ReliabilityBinValue } from '../trust/calibration.js';
import type { Readiness as ReadinessValue, ConditionResult } from '../trust/readiness.js';
import type { AuthorBudget } from '../trust/error-budget.js';
import type { LadderView, TrustError as TrustErrorValue, TrustResult } from '../trust-store/trust-service.js';
import type { TrustLine } from '../trust/verdict.js';
import { DAY } from '../trust/durations.js';
import { builder } from './builder.js';
import { Verdict } from './control.js';
import { badArgument } from './errors.js';
import { DateTime } from './scalars.js';
import { authorOf, trustOf } from './trust-context.js';

const enumOf = <T extends string>(name: string, values: readonly T[], description?: string) =>
  builder.enumType(name, {
    ...(description ? { description } : {}),
    values: Object.fromEntries(values.map((v) => [v.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase().replace(/-/g, '_'), { value: v }])),
  });

export const TrustRung = enumOf('TrustRung', ['read-only', 'shadow', 'supervised-write', 'autonomous'] as const, 'read-only -> shadow -> supervised write -> autonomous.');
export const AuthorType = enumOf('AuthorType', ['agent', 'human', 'system', 'unknown'] as const);
const SliChangeKind = enumOf('SliChangeKind', ['deploy', 'config'] as const, 'The kinds of change an error budget counts.');
const BurnSeverity = enumOf('BurnSeverity', ['page', 'ticket'] as const);
const ReadinessConditionKind = enumOf('ReadinessConditionKind', ['slo-defined', 'error-budget-policy', 'shadow-period', 'decision-provenance', 'rollback-automated', 'toil-measured'] as const);
const CalibrationGroup = enumOf('CalibrationGroup', ['service', 'faultClass', 'period'] as const);
const LadderDirection = enumOf('LadderDirection', ['promotion', 'demotion'] as const);
const TrustErrorCode = builder.enumType('TrustErrorCode', { values: ['NOT_FOUND', 'INVALID', 'FORBIDDEN', 'CONFLICT', 'REFUSED'] as const });

const BurnAlert = builder.objectRef<BurnAlertValue>('BurnAlert').implement({
  description: 'One multi-window burn-rate rule (SRE workbook): it fires when both windows burn faster than the threshold.',
  fields: (t) => ({
    rule: t.exposeString('rule'),
    severity: t.field({ type: BurnSeverity, resolve: (a) => a.severity }),
    threshold: t.exposeFloat('threshold', { description: 'Burn rate that fires it: 14.4, 6, 3 or 1 for a 30-day window.' }),
    longWindowSeconds: t.int({ resolve: (a) => a.longWindowMs / 1000 }),
    shortWindowSeconds: t.int({ resolve: (a) => a.shortWindowMs / 1000 }),
    longBurn: t.exposeFloat('longBurn'),
    shortBurn: t.exposeFloat('shortBurn'),
    firing: t.exposeBoolean('firing'),
  }),
});

/** A budget of one author type's changes; `kind` null when deploys and config changes count together. */
type BudgetShape = Omit<AuthorBudget, 'kind'> & { kind: AuthorBudget['kind'] | null };

const ErrorBudget = builder.objectRef<BudgetShape>('ErrorBudget').implement({
  description: 'The success SLI of one kind of change by one kind of author, its budget and its burn.',
  fields: (t) => ({
    kind: t.field({ type: SliChangeKind, nullable: true, description: 'Null when deploys and config changes count together.', resolve: (b) => b.kind }),
    authorType: t.field({ type: AuthorType, resolve: (b) => b.authorType }),
    objective: t.float({ resolve: (b) => b.budget.policy.objective }),
    windowDays: t.float({ resolve: (b) => b.budget.policy.windowMs / DAY }),
    total: t.int({ description: 'Changes with an outcome in the window.', resolve: (b) => b.budget.total }),
    bad: t.int({ resolve: (b) => b.budget.bad }),
    sli: t.float({ nullable: true, resolve: (b) => b.budget.sli }),
    remaining: t.float({ description: 'Share of the budget left: 1 untouched, 0 spent, below 0 overspent.', resolve: (b) => b.budget.remaining }),
    exhausted: t.boolean({ resolve: (b) => b.budget.exhausted }),
    healthy: t.boolean({ description: 'Not exhausted and no paging alert firing.', resolve: (b) => b.budget.healthy }),
    burnRate1h: t.float({ resolve: (b) => b.budget.burn1h }),
    burnRate6h: t.float({ resolve: (b) => b.budget.burn6h }),
    alerts: t.field({ type: [BurnAlert], resolve: (b) => b.budget.alerts }),
  }),
});

const ReliabilityBin = builder.objectRef<ReliabilityBinValue>('ReliabilityBin').implement({
  fields: (t) => ({
    from: t.exposeFloat('from'),
    to: t.exposeFloat('to'),
    count: t.exposeInt('count'),
    meanConfidence: t.exposeFloat('meanConfidence', { nullable: true, description: 'Mean predicted top-1 confidence in the bin.' }),
    observed: t.exposeFloat('observed', { nullable: true, description: 'How often the top candidate was right in the bin.' }),
  }),
});

const BlastRadiusScore = builder.objectRef<CalibrationValue['blastRadius']>('BlastRadiusScore').implement({
  description: 'Blast-radius predictions whose action has an outcome: right when every service the action was seen to affect had been predicted.',
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'Settled blast-radius predictions counted.' }),
    correct: t.exposeInt('correct'),
    rate: t.exposeFloat('rate', { nullable: true }),
  }),
});

const Calibration = builder.objectRef<CalibrationValue>('Calibration').implement({
  description: 'How often root-cause predictions were right, and whether their confidence meant what it said; blast-radius predictions beside them.',
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'Settled root-cause predictions counted.' }),
    top1: t.exposeInt('top1'),
    top3: t.exposeInt('top3'),
    top1Rate: t.exposeFloat('top1Rate', { nullable: true }),
    top3Rate: t.exposeFloat('top3Rate', { nullable: true }),
    ece: t.exposeFloat('ece', { nullable: true, description: 'Expected calibration error over the bins.' }),
    bins: t.field({ type: [ReliabilityBin], resolve: (c) => c.bins }),
    blastRadius: t.field({ type: BlastRadiusScore, resolve: (c) => c.blastRadius }),
  }),
});

const CalibrationSlice = builder.objectRef<CalibrationSliceValue>('CalibrationSlice').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The service, the fault class, or the start of the period.' }),
    calibration: t.field({ type: Calibration, resolve: (s) => s.calibration }),
  }),
});

const ReadinessCondition = builder.objectRef<ConditionResult>('ReadinessCondition').implement({
  fields: (t) => ({
    condition: t.field({ type: ReadinessConditionKind, resolve: (c) => c.condition }),
    met: t.exposeBoolean('met'),
    reason: t.exposeString('reason'),
  }),
});

export const Readiness = builder.objectRef<ReadinessValue>('Readiness').implement({
  description: 'The readiness gate: autonomous actions are refused on a service that fails any condition.',
  fields: (t) => ({
    service: t.exposeID('service'),
    ready: t.exposeBoolean('ready'),
    conditions: t.field({ type: [ReadinessCondition], resolve: (r) => r.conditions }),
  }),
});

const LadderCheck = builder.objectRef<LadderCheckValue>('LadderCheck').implement({
  fields: (t) => ({ check: t.exposeString('check'), met: t.exposeBoolean('met'), reason: t.exposeString('reason') }),
});

const LadderTransition = builder.objectRef<LadderTransitionValue>('LadderTransition').implement({
  description: 'One audited promotion or demotion.',
  fields: (t) => ({
    agent: t.exposeID('agent'),
    service: t.exposeID('service'),
    from: t.field({ type: TrustRung, resolve: (x) => x.from }),
    to: t.field({ type: TrustRung, resolve: (x) => x.to }),
    direction: t.field({ type: LadderDirection, resolve: (x) => x.direction }),
    at: t.field({ type: DateTime, resolve: (x) => x.at }),
    by: t.id({ resolve: (x) => x.by.id }),
    byType: t.field({ type: AuthorType, resolve: (x) => x.by.type }),
    reason: t.exposeString('reason'),
    checks: t.field({ type: [LadderCheck], resolve: (x) => x.checks }),
  }),
});

const TrustLadder = builder.objectRef<LadderView>('TrustLadder').implement({
  description: "An agent's rung on one service, the evidence behind it, and what the next promotion needs.",
  fields: (t) => ({
    agent: t.id({ resolve: (v) => v.state.agent }),
    service: t.id({ resolve: (v) => v.state.service }),
    rung: t.field({ type: TrustRung, resolve: (v) => v.state.rung }),
    since: t.field({ type: DateTime, nullable: true, description: 'When it reached the rung; null for an agent never enrolled.', resolve: (v) => (v.state.since === 0 ? null : v.state.since) }),
    shadowPredictions: t.int({ description: 'Settled shadow predictions since it reached the rung.', resolve: (v) => v.evidence.shadow.total }),
    correctShadowPredictions: t.int({ resolve: (v) => v.evidence.shadow.correct }),
    succeededChanges: t.int({ description: 'Its successful changes on the service since it reached the rung.', resolve: (v) => v.evidence.succeededChanges }),
    budget: t.field({ type: ErrorBudget, description: "The error budget of the agent's own changes on the service.", resolve: (v): BudgetShape => ({ kind: null, authorType: 'agent', budget: v.evidence.budget }) }),
    readiness: t.field({ type: Readiness, resolve: (v) => v.evidence.readiness }),
    nextChecks: t.field({ type: [LadderCheck], resolve: (v) => v.nextChecks }),
    transitions: t.field({ type: [LadderTransition], description: 'Its audit trail on the service, oldest first.', resolve: (v) => v.transitions }),
  }),
});

const LadderRung = builder.objectRef<LadderState>('LadderRung').implement({
  fields: (t) => ({
    agent: t.exposeID('agent'),
    service: t.exposeID('service'),
    rung: t.field({ type: TrustRung, resolve: (s) => s.rung }),
    since: t.field({ type: DateTime, resolve: (s) => s.since }),
  }),
});

const TrustVerdict = builder.objectRef<TrustLine>('TrustVerdict').implement({
  description: "The trust primitive's say on a write by an agent to a service: what the control layer's verdict takes from the ladder and the readiness gate.",
  fields: (t) => ({
    outcome: t.field({ type: Verdict, resolve: (l) => l.outcome }),
    message: t.exposeString('message'),
    autonomous: t.exposeBoolean('autonomous', { description: 'Whether it may run with nobody signing off.' }),
  }),
});

export const TrustError = builder.objectRef<TrustErrorValue>('TrustError').implement({
  description: 'Why a trust or postmortem request was refused.',
  fields: (t) => ({
    code: t.field({ type: TrustErrorCode, resolve: (e) => e.code }),
    message: t.exposeString('message'),
    checks: t.field({ type: [LadderCheck], description: 'For a refused promotion: every check, met or not.', resolve: (e) => e.checks ?? [] }),
  }),
});

export const isTrustError = (v: object): v is TrustErrorValue => 'code' in v && 'message' in v && Object.keys(v).every((k) => ['code', 'message', 'checks'].includes(k));
export const unwrapTrust = <T>(r: TrustResult<T>): T | TrustErrorValue => (r.ok ? r.value : r.error);

const PromoteResult = builder.unionType('PromoteResult', { types: [TrustLadder, TrustError], resolveType: (v) => (isTrustError(v) ? 'TrustError' : 'TrustLadder') });

export const AuthorInput = builder.inputType('AuthorInput', {
  description: 'Who is speaking, on a server without API tokens; with tokens, the caller is the author.',
  fields: (t) => ({ id: t.id({ required: true }), type: t.field({ type: builder.enumType('AuthorKind', { values: { AGENT: { value: 'agent' }, HUMAN: { value: 'human' } } as const }), required: true }) }),
});

const serviceArg = (s: string | number | null | undefined): string | undefined => (s === null || s === undefined ? undefined : String(s));

builder.queryField('errorBudgets', (t) =>
  t.field({
    type: [ErrorBudget],
    description: 'Deploy and config success SLIs by author type (agent, human, and system where any), with burn rates over 1 h and 6 h and multi-window burn alerts; over one service or all.',
    args: { service: t.arg.id({ required: false }) },
    resolve: async (_root, args, ctx) => (await trustOf(ctx).errorBudgets(serviceArg(args.service))).budgets,
  }),
);

const calibrationArgs = builder.args((t) => ({
  service: t.id({ required: false }),
  author: t.id({ required: false, description: 'Whose predictions: "ctxgraph" for its own analyses, or an agent id.' }),
  from: t.field({ type: DateTime, required: false, description: 'Only predictions recorded since.' }),
}));

const filterOf = (a: { service?: string | number | null | undefined; author?: string | number | null | undefined; from?: number | null | undefined }) => ({
  ...(a.service != null ? { service: String(a.service) } : {}),
  ...(a.author != null ? { author: String(a.author) } : {}),
  ...(a.from != null ? { from: a.from } : {}),
});

builder.queryField('calibration', (t) =>
  t.field({
    type: Calibration,
    description: 'Top-1 and Top-3 hit rates of root-cause predictions, and their reliability bins (predicted confidence against observed frequency).',
    args: calibrationArgs,
    resolve: (_root, args, ctx) => trustOf(ctx).calibration(filterOf(args)),
  }),
);

builder.queryField('calibrationBy', (t) =>
  t.field({
    type: [CalibrationSlice],
    description: 'Calibration per service, per fault class, or over time (per period of `periodDays`).',
    args: { group: t.arg({ type: CalibrationGroup, required: true }), periodDays: t.arg.int({ required: false, defaultValue: 7 }), ...calibrationArgs },
    resolve: (_root, args, ctx) => {
      const days = args.periodDays ?? 7;
      if (days < 1 || days > 366) throw badArgument('periodDays', `must be between 1 and 366, got ${days}`);
      return trustOf(ctx).calibrationBy(filterOf(args), args.group, days * DAY);
    },
  }),
);

builder.queryField('readiness', (t) =>
  t.field({
    type: Readiness,
    description: 'The readiness gate of a service: six conditions, each with its reason.',
    args: { service: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => trustOf(ctx).readiness(String(args.service)),
  }),
);

builder.queryField('trustLadder', (t) =>
  t.field({
    type: TrustLadder,
    description: "An agent's rung on a service. Reading it applies any automatic demotion first.",
    args: { agent: t.arg.id({ required: true }), service: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => trustOf(ctx).ladder(String(args.agent), String(args.service)),
  }),
);

builder.queryField('trustLadders', (t) =>
  t.field({
    type: [LadderRung],
    description: 'Every enrolled agent and service, as last reviewed.',
    args: { agent: t.arg.id({ required: false }), service: t.arg.id({ required: false }) },
    resolve: (_root, args, ctx) => trustOf(ctx).ladders({ ...(args.agent != null ? { agent: String(args.agent) } : {}), ...(args.service != null ? { service: String(args.service) } : {}) }),
  }),
);

builder.queryField('trustVerdict', (t) =>
  t.field({
    type: TrustVerdict,
    description: 'What the ladder and the readiness gate say about a write by this agent to this service now.',
    args: { agent: t.arg.id({ required: true }), service: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => trustOf(ctx).trustVerdict({ id: String(args.agent), role: 'agent' }, String(args.service)),
  }),
);

builder.mutationField('promoteAgent', (t) =>
  t.field({
    type: PromoteResult,
    description: 'Asks to move an agent one rung up on a service. Granted only on evidence; refused with every check otherwise. Audited.',
    args: { agent: t.arg.id({ required: true }), service: t.arg.id({ required: true }), author: t.arg({ type: AuthorInput, required: false }) },
    resolve: async (_root, args, ctx) => {
      const trust = trustOf(ctx);
      return unwrapTrust(await trust.promote(authorOf(ctx, args.author ? { id: String(args.author.id), type: args.author.type } : null), String(args.agent), String(args.service)));
    },
  }),
);
