/**
 * The people's side of the control layer: grants, kill switches, the policy and the audit. Agents
 * may engage a kill switch but never lift one, and never issue grants or change the policy.
 */
import type { AuditProblem as AuditProblemValue, AuditVerification as AuditVerificationValue } from '../control/audit.js';
import type { Grant as GrantValue, KillScope, KillSwitch as KillSwitchValue } from '../control/action.js';
import type { ControlError as ControlErrorValue, Result } from '../control/control-service.js';
import type { Json } from '../model/facts.js';
import { ActionKind } from './blast-radius.js';
import { builder } from './builder.js';
import { assertCanRead, controlOf } from './control-context.js';
import { Caller, ControlError } from './control.js';
import { badArgument } from './errors.js';
import { DateTime, JSONScalar } from './scalars.js';

const isError = (v: object): v is ControlErrorValue => 'code' in v && 'message' in v;
const unwrap = <T>(r: Result<T>): T | ControlErrorValue => (r.ok ? r.value : r.error);

const Grant = builder.objectRef<GrantValue>('Grant').implement({
  description: 'Write access for one agent: these services and kinds, until it expires or is revoked.',
  fields: (t) => ({
    id: t.exposeID('id'),
    agent: t.exposeID('agent'),
    services: t.exposeStringList('services', { description: '`*` is every service.' }),
    kinds: t.field({ type: [ActionKind], resolve: (g) => g.kinds }),
    grantedBy: t.exposeID('grantedBy'),
    grantedAt: t.field({ type: DateTime, resolve: (g) => g.grantedAt }),
    expiresAt: t.field({ type: DateTime, resolve: (g) => g.expiresAt }),
  }),
});

const KillScopeKind = builder.enumType('KillScopeKind', { values: { GLOBAL: { value: 'global' }, SERVICE: { value: 'service' }, AGENT: { value: 'agent' } } as const });

const KillSwitch = builder.objectRef<KillSwitchValue>('KillSwitch').implement({
  fields: (t) => ({
    scope: t.field({ type: KillScopeKind, resolve: (k) => k.scope.kind }),
    target: t.id({ nullable: true, description: 'The service or agent paused; null for the global switch.', resolve: (k) => (k.scope.kind === 'global' ? null : k.scope.id) }),
    by: t.exposeID('by'),
    reason: t.exposeString('reason'),
    at: t.field({ type: DateTime, resolve: (k) => k.at }),
  }),
});

const Done = builder.objectRef<{ changed: boolean }>('ControlDone').implement({
  fields: (t) => ({ changed: t.exposeBoolean('changed', { description: 'False when there was nothing to revoke or lift.' }) }),
});

const PolicyInfo = builder.objectRef<{ policy: Json }>('PolicyInfo').implement({
  fields: (t) => ({ policy: t.field({ type: JSONScalar, description: 'The policy in force, defaults filled in.', resolve: (p) => p.policy }) }),
});

const errorOr = (okName: string) => (v: unknown) => (isError(v as object) ? 'ControlError' : okName);
const GrantResult = builder.unionType('GrantResult', { types: [Grant, ControlError], resolveType: errorOr('Grant') });
const KillSwitchResult = builder.unionType('KillSwitchResult', { types: [KillSwitch, ControlError], resolveType: errorOr('KillSwitch') });
const DoneResult = builder.unionType('ControlDoneResult', { types: [Done, ControlError], resolveType: errorOr('ControlDone') });
const PolicyResult = builder.unionType('PolicyResult', { types: [PolicyInfo, ControlError], resolveType: errorOr('PolicyInfo') });

const KillScopeInput = builder.inputType('KillScopeInput', {
  fields: (t) => ({
    scope: t.field({ type: KillScopeKind, required: true }),
    target: t.id({ required: false, description: 'The service or agent; required unless the scope is GLOBAL.' }),
  }),
});

function killScope(input: { scope: 'global' | 'service' | 'agent'; target?: string | number | null | undefined }): KillScope {
  if (input.scope === 'global') return { kind: 'global' };
  if (input.target === null || input.target === undefined || String(input.target) === '') throw badArgument('scope.target', `is required for a ${input.scope.toUpperCase()} kill switch`);
  return { kind: input.scope, id: String(input.target) };
}

const AuditProblem = builder.objectRef<AuditProblemValue>('AuditProblem').implement({
  fields: (t) => ({ line: t.exposeInt('line', { description: '1-based line in the log; 0 for the signed head.' }), message: t.exposeString('message') }),
});

const AuditVerification = builder.objectRef<AuditVerificationValue>('AuditVerification').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    entries: t.exposeInt('entries'),
    lastSeq: t.exposeInt('lastSeq'),
    problems: t.field({ type: [AuditProblem], resolve: (v) => v.problems }),
    warnings: t.exposeStringList('warnings'),
  }),
});

builder.mutationField('grantAccess', (t) =>
  t.field({
    type: GrantResult,
    description: 'Humans and admins give an agent time-bound write access to services and kinds.',
    args: {
      agent: t.arg.id({ required: true }),
      services: t.arg.stringList({ required: true }),
      kinds: t.arg({ type: [ActionKind], required: true }),
      ttlSeconds: t.arg.int({ required: true }),
    },
    resolve: async (_root, a, ctx) => {
      const { service, caller } = controlOf(ctx);
      return unwrap(await service.grant(caller, { agent: String(a.agent), services: a.services, kinds: a.kinds, ttlSeconds: a.ttlSeconds }));
    },
  }),
);

builder.mutationField('revokeGrant', (t) =>
  t.field({
    type: DoneResult,
    args: { agent: t.arg.id({ required: true }), id: t.arg.id({ required: true }) },
    resolve: async (_root, a, ctx) => {
      const { service, caller } = controlOf(ctx);
      const r = await service.revokeGrant(caller, String(a.agent), String(a.id));
      return r.ok ? { changed: r.value } : r.error;
    },
  }),
);

builder.mutationField('engageKillSwitch', (t) =>
  t.field({
    type: KillSwitchResult,
    description: 'Pauses every action (GLOBAL), or those on one service or by one agent.',
    args: { scope: t.arg({ type: KillScopeInput, required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (_root, a, ctx) => {
      const { service, caller } = controlOf(ctx);
      return unwrap(await service.engageKill(caller, killScope(a.scope), a.reason));
    },
  }),
);

builder.mutationField('liftKillSwitch', (t) =>
  t.field({
    type: DoneResult,
    description: 'Humans and admins only.',
    args: { scope: t.arg({ type: KillScopeInput, required: true }) },
    resolve: async (_root, a, ctx) => {
      const { service, caller } = controlOf(ctx);
      const r = await service.liftKill(caller, killScope(a.scope));
      return r.ok ? { changed: r.value } : r.error;
    },
  }),
);

builder.mutationField('reloadPolicy', (t) =>
  t.field({
    type: PolicyResult,
    description: 'Admins only: re-reads the policy file. An invalid file leaves the policy in force and says what is wrong.',
    resolve: async (_root, _a, ctx) => {
      const { service, caller } = controlOf(ctx);
      const r = await service.reloadPolicy(caller);
      return r.ok ? { policy: JSON.parse(JSON.stringify(r.value)) as Json } : r.error;
    },
  }),
);

builder.queryField('killSwitches', (t) =>
  t.field({
    type: [KillSwitch],
    resolve: async (_root, _a, ctx) => {
      const c = controlOf(ctx);
      assertCanRead(c);
      return c.service.kills();
    },
  }),
);

builder.queryField('grants', (t) =>
  t.field({
    type: [Grant],
    args: { agent: t.arg.id({ required: true }) },
    resolve: async (_root, a, ctx) => {
      const c = controlOf(ctx);
      assertCanRead(c);
      return c.service.grants(String(a.agent));
    },
  }),
);

builder.queryField('policy', (t) =>
  t.field({
    type: JSONScalar,
    description: 'The policy in force, defaults filled in.',
    resolve: (_root, _a, ctx) => {
      const c = controlOf(ctx);
      assertCanRead(c);
      return JSON.parse(JSON.stringify(c.service.policy())) as Json;
    },
  }),
);

builder.queryField('verifyAudit', (t) =>
  t.field({
    type: AuditVerification,
    description: 'Checks the whole signed audit: tampering, reordering, deletion and truncation.',
    resolve: async (_root, _a, ctx) => {
      const c = controlOf(ctx);
      assertCanRead(c);
      return c.service.verifyAudit();
    },
  }),
);

builder.queryField('whoami', (t) =>
  t.field({
    type: Caller,
    nullable: true,
    description: 'The identity bound to the API token sent; null when anonymous.',
    resolve: (_root, _a, ctx) => ctx.control?.caller ?? null,
  }),
);
