/**
 * Event types for what agents and people do through the control layer: proposals, verdicts,
 * approvals, executions and outcomes. They follow ARCHITECTURE's "one way in": once merged into the
 * CloudEvent union of `schema/events.ts` (see docs/control.md), the control service's events go
 * through the pipeline like any other, and replay covers them.
 *
 * @example
 * ACTION_EVENT_DATA['action.outcome'].parse({ action: 'a1', service: 'api', kind: 'DEPLOY', status: 'reverted' });
 */
import { z } from 'zod';
import type { Enveloped } from './envelope.js';

const Id = z.string().min(1).max(512);
const Verdict = z.enum(['ALLOW', 'REQUIRE_APPROVAL', 'DENY']);
const Kind = z.enum(['DEPLOY', 'CONFIG_CHANGE', 'RESTART', 'SCALE', 'ROLLBACK', 'MIGRATION']);

export const ActionProposed = z.object({
  action: Id,
  service: Id,
  kind: Kind,
  /** Other services the change applies to as well (a setting they share). */
  services: z.array(Id).max(100).optional(),
  /** The callee whose calls the action changes. */
  dependency: Id.optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  rolloutPercent: z.number().min(0).max(100).optional(),
  reversible: z.boolean().optional(),
  destructive: z.boolean().optional(),
  justification: z.string().optional(),
  evidence: z.array(z.string()).optional(),
});
export const ActionDecided = z.object({
  action: Id,
  service: Id,
  kind: Kind,
  verdict: Verdict,
  reasons: z.array(z.object({ primitive: z.string(), outcome: Verdict, message: z.string() })),
  approvalsRequired: z.number().int().min(0).optional(),
  dryRun: z.boolean().optional(),
});
export const ActionApproved = z.object({ action: Id, approver: Id, note: z.string().optional() });
export const ActionExecuted = z.object({ action: Id, service: Id, kind: Kind });
export const ActionOutcome = z.object({
  action: Id,
  service: Id,
  kind: Kind,
  status: z.enum(['succeeded', 'failed', 'reverted']),
  detail: z.string().optional(),
});

/** To merge: spread into `EVENT_DATA` and add `variant(type)` for each to the `CloudEvent` union. */
export const ACTION_EVENT_DATA = {
  'action.proposed': ActionProposed,
  'action.decided': ActionDecided,
  'action.approved': ActionApproved,
  'action.executed': ActionExecuted,
  'action.outcome': ActionOutcome,
} as const;
export type ActionEventType = keyof typeof ACTION_EVENT_DATA;

/** One action event in the CloudEvents envelope (JSON structured mode), ready for the pipeline. */
export type ActionEvent<T extends ActionEventType = ActionEventType> = Enveloped<typeof ACTION_EVENT_DATA, T>;
