/**
 * The agent's side of the control layer: `proposeAction`, `approveAction`, `executeAction`,
 * `reportHealth`, `reportRevert` and the `action` query. Refusals are values (`ControlError` in a
 * result union); a verdict of DENY is an answer, not an error.
 */
import { z } from 'zod';
import { ACTION_STATUSES, type ActionRecord, type Approval as ApprovalValue, type PrimitiveLine as PrimitiveLineValue, PRIMITIVES } from '../control/action.js';
import type { ControlError as ControlErrorValue, Proposed, Result } from '../control/control-service.js';
import type { Json } from '../model/facts.js';
import { ActionKind, BlastRadius, SCOPE_DEPENDENCY, SCOPE_SERVICES, scopeOf } from './blast-radius.js';
import { builder } from './builder.js';
import { assertCanRead, controlOf } from './control-context.js';
import { badArgument } from './errors.js';
import { DateTime, JSONScalar } from './scalars.js';

export const Verdict = builder.enumType('Verdict', { values: ['ALLOW', 'REQUIRE_APPROVAL', 'DENY'] as const });
export const Role = builder.enumType('Role', { values: { AGENT: { value: 'agent' }, HUMAN: { value: 'human' }, ADMIN: { value: 'admin' } } as const });
const ActionStatus = builder.enumType('ActionStatus', { values: ACTION_STATUSES });
const Primitive = builder.enumType('PolicyPrimitive', {
  values: Object.fromEntries(PRIMITIVES.map((p) => [p.toUpperCase().replace(/-/g, '_'), { value: p }])),
});
const ControlErrorCode = builder.enumType('ControlErrorCode', { values: ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'INVALID', 'UNKNOWN_SERVICE'] as const });

export const ControlError = builder.objectRef<ControlErrorValue>('ControlError').implement({
  description: 'Why a control request was refused.',
  fields: (t) => ({ code: t.field({ type: ControlErrorCode, resolve: (e) => e.code }), message: t.exposeString('message') }),
});

const PrimitiveLine = builder.objectRef<PrimitiveLineValue>('PrimitiveLine').implement({
  description: "One policy primitive's say on a proposal.",
  fields: (t) => ({ primitive: t.field({ type: Primitive, resolve: (l) => l.primitive }), outcome: t.field({ type: Verdict, resolve: (l) => l.outcome }), message: t.exposeString('message') }),
});

const Approval = builder.objectRef<ApprovalValue>('Approval').implement({
  fields: (t) => ({
    approver: t.exposeID('approver'),
    role: t.field({ type: Role, resolve: (a) => a.role }),
    at: t.field({ type: DateTime, resolve: (a) => a.at }),
    note: t.exposeString('note', { nullable: true }),
  }),
});

export const Caller = builder.objectRef<{ id: string; role: 'agent' | 'human' | 'admin'; model: string | null }>('Caller').implement({
  fields: (t) => ({ id: t.exposeID('id'), role: t.field({ type: Role, resolve: (c) => c.role }), model: t.exposeString('model', { nullable: true }) }),
});

interface ActionValue {
  record: ActionRecord;
  approvals: ApprovalValue[];
}

export const Action = builder.objectRef<ActionValue>('Action').implement({
  fields: (t) => ({
    id: t.id({ resolve: (a) => a.record.id }),
    kind: t.field({ type: ActionKind, resolve: (a) => a.record.proposal.kind }),
    service: t.id({ resolve: (a) => a.record.proposal.service }),
    services: t.idList({ description: 'Other services the proposal said the change applies to as well.', resolve: (a) => a.record.proposal.services ?? [] }),
    dependency: t.id({ nullable: true, description: 'The callee whose calls the proposal said it changes.', resolve: (a) => a.record.proposal.dependency ?? null }),
    parameters: t.field({ type: JSONScalar, resolve: (a) => a.record.proposal.parameters }),
    rolloutPercent: t.float({ resolve: (a) => a.record.proposal.rolloutPercent }),
    reversible: t.boolean({ resolve: (a) => a.record.proposal.reversible }),
    destructive: t.boolean({ resolve: (a) => a.record.proposal.destructive }),
    justification: t.string({ resolve: (a) => a.record.proposal.justification }),
    evidence: t.stringList({ resolve: (a) => a.record.proposal.evidence }),
    proposer: t.field({ type: Caller, resolve: (a) => a.record.proposer }),
    verdict: t.field({ type: Verdict, resolve: (a) => a.record.verdict }),
    reasons: t.field({ type: [PrimitiveLine], resolve: (a) => a.record.reasons }),
    status: t.field({ type: ActionStatus, resolve: (a) => a.record.status }),
    approvalsRequired: t.int({ resolve: (a) => a.record.approvalsRequired }),
    humanApprovalRequired: t.boolean({ resolve: (a) => a.record.humanApprovalRequired }),
    approvals: t.field({ type: [Approval], resolve: (a) => a.approvals }),
    dryRun: t.boolean({ resolve: (a) => a.record.dryRun }),
    proposedAt: t.field({ type: DateTime, resolve: (a) => a.record.proposedAt }),
    executedAt: t.field({ type: DateTime, nullable: true, resolve: (a) => a.record.executedAt }),
    finishedAt: t.field({ type: DateTime, nullable: true, resolve: (a) => a.record.finishedAt }),
    revertRequired: t.boolean({ description: 'Post-execution health failed: the executor must undo the action, then call reportRevert.', resolve: (a) => a.record.revertRequired }),
    healthDetail: t.string({ nullable: true, resolve: (a) => a.record.healthDetail }),
  }),
});

const ActionDecision = builder.objectRef<Proposed>('ActionDecision').implement({
  description: 'The verdict on a proposal, every primitive that had a say, and the predicted blast radius.',
  fields: (t) => ({
    actionId: t.id({ resolve: (d) => d.record.id }),
    verdict: t.field({ type: Verdict, resolve: (d) => d.record.verdict }),
    reasons: t.field({ type: [PrimitiveLine], resolve: (d) => d.record.reasons }),
    approvalsRequired: t.int({ resolve: (d) => d.record.approvalsRequired }),
    blastRadius: t.field({ type: BlastRadius, resolve: (d) => d.blastRadius }),
    action: t.field({ type: Action, resolve: (d) => ({ record: d.record, approvals: [] }) }),
  }),
});

const isError = (v: object): v is ControlErrorValue => 'code' in v && 'message' in v && !('record' in v);

const ProposeActionResult = builder.unionType('ProposeActionResult', {
  types: [ActionDecision, ControlError],
  resolveType: (v) => (isError(v) ? 'ControlError' : 'ActionDecision'),
});
export const ActionResult = builder.unionType('ActionResult', {
  types: [Action, ControlError],
  resolveType: (v) => (isError(v) ? 'ControlError' : 'Action'),
});

const unwrap = <T>(r: Result<T>): T | ControlErrorValue => (r.ok ? r.value : r.error);

const Parameters = z.record(z.string(), z.unknown());

const ProposeActionInput = builder.inputType('ProposeActionInput', {
  fields: (t) => ({
    kind: t.field({ type: ActionKind, required: true }),
    service: t.id({ required: true }),
    services: t.idList({ required: false, description: SCOPE_SERVICES }),
    dependency: t.id({ required: false, description: SCOPE_DEPENDENCY }),
    parameters: t.field({ type: JSONScalar, required: false, description: 'A JSON object, e.g. {"version": "v42"} for a DEPLOY or {"key": ..., "value": ...} for a CONFIG_CHANGE.' }),
    rolloutPercent: t.float({ required: false, defaultValue: 100 }),
    reversible: t.boolean({ required: false, defaultValue: true }),
    destructive: t.boolean({ required: false, defaultValue: false, description: 'A MIGRATION that drops or rewrites data.' }),
    justification: t.string({ required: true }),
    evidence: t.stringList({ required: false, defaultValue: [], description: 'Incident, alert or change ids, or links, that the justification rests on.' }),
    model: t.string({ required: false, description: 'The model that produced the action; must match the model bound to the token.' }),
  }),
});

builder.mutationField('proposeAction', (t) =>
  t.field({
    type: ProposeActionResult,
    description: 'Asks ctxgraph whether an action may run. Every proposal and verdict lands in the signed audit.',
    args: { input: t.arg({ type: ProposeActionInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { service, caller } = controlOf(ctx);
      const params = Parameters.safeParse(input.parameters ?? {});
      if (!params.success) throw badArgument('input.parameters', 'must be a JSON object');
      if (!input.justification.trim()) throw badArgument('input.justification', 'must say why');
      return unwrap(
        await service.propose(caller, {
          kind: input.kind,
          service: String(input.service),
          ...scopeOf(input, 'input'),
          parameters: params.data as Record<string, Json>,
          rolloutPercent: input.rolloutPercent ?? 100,
          reversible: input.reversible ?? true,
          destructive: input.destructive ?? false,
          justification: input.justification,
          evidence: input.evidence ?? [],
          model: input.model ?? null,
        }),
      );
    },
  }),
);

builder.mutationField('approveAction', (t) =>
  t.field({
    type: ActionResult,
    description: 'One approval from the caller; never from the proposer. The action is allowed once its quorum (and any human sign-off) is met.',
    args: { id: t.arg.id({ required: true }), note: t.arg.string({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const { service, caller } = controlOf(ctx);
      return unwrap(await service.approve(caller, String(args.id), args.note ?? null));
    },
  }),
);

builder.mutationField('executeAction', (t) =>
  t.field({
    type: ActionResult,
    description: 'The proposer announces it runs an allowed action now; refused while a kill switch covers it.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const { service, caller } = controlOf(ctx);
      return unwrap(await service.execute(caller, String(args.id)));
    },
  }),
);

builder.mutationField('reportHealth', (t) =>
  t.field({
    type: ActionResult,
    description: 'Health after execution. Without `healthy`, ctxgraph judges from alerts on the target since execution. A failure marks a reversible action for revert.',
    args: { id: t.arg.id({ required: true }), healthy: t.arg.boolean({ required: false }), detail: t.arg.string({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const { service, caller } = controlOf(ctx);
      return unwrap(await service.reportHealth(caller, String(args.id), args.healthy ?? null, args.detail ?? null));
    },
  }),
);

builder.mutationField('reportRevert', (t) =>
  t.field({
    type: ActionResult,
    description: 'The executor confirms that it reverted an action marked for revert (or that the revert failed).',
    args: { id: t.arg.id({ required: true }), reverted: t.arg.boolean({ required: true }), detail: t.arg.string({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const { service, caller } = controlOf(ctx);
      return unwrap(await service.reportReverted(caller, String(args.id), args.reverted, args.detail ?? null));
    },
  }),
);

builder.queryField('action', (t) =>
  t.field({
    type: Action,
    nullable: true,
    description: 'One proposed action and where it stands.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const c = controlOf(ctx);
      assertCanRead(c);
      const r = await c.service.action(String(args.id));
      return r.ok ? r.value : null;
    },
  }),
);
