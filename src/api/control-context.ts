/**
 * What the control fields need in the GraphQL context: the control service and who is calling.
 * The caller is authenticated once per request from its `Authorization: Bearer <token>` header.
 */
import { GraphQLError } from 'graphql';
import type { Identity } from '../control/action.js';
import type { ControlService } from '../control/control-service.js';
import type { Authenticator } from '../control/identities.js';

export interface ControlContext {
  readonly service: ControlService;
  /** Null for anonymous callers and for unknown tokens. */
  readonly caller: Identity | null;
  /** A token was given but is not known. */
  readonly badToken: boolean;
  /** Whether callers without a valid token may read (blast radius, actions, kill switches, audit). */
  readonly anonymousRead: boolean;
}

/** How the server wires the control layer into GraphQL. */
export interface ControlWiring {
  service: ControlService;
  authenticator: Authenticator;
  anonymousRead: boolean;
}

export function controlContext(w: ControlWiring, authorization: string | null): ControlContext {
  const a = w.authenticator.authenticate(authorization);
  return { service: w.service, caller: a.ok ? a.identity : null, badToken: !a.ok && a.reason === 'invalid-token', anonymousRead: w.anonymousRead };
}

const fail = (code: string, message: string): GraphQLError => new GraphQLError(message, { extensions: { code } });

/** The control context, or a clear error when the server runs without the control layer. */
export function controlOf(ctx: { control?: ControlContext | undefined }): ControlContext {
  if (!ctx.control) throw fail('CONTROL_DISABLED', 'the control layer is not configured on this server');
  return ctx.control;
}

/**
 * Why this caller may not read, or null when it may. Reads are open to anonymous callers only where
 * the config says so; an unknown token never reads. One rule for every query (see control-read-gate.ts).
 */
export function readRefusal(c: ControlContext): GraphQLError | null {
  if (c.badToken) return fail('UNAUTHENTICATED', 'unknown API token');
  if (c.caller === null && !c.anonymousRead) return fail('UNAUTHENTICATED', 'this server needs an API token (Authorization: Bearer <token>) to read');
  return null;
}

export function assertCanRead(c: ControlContext): void {
  const refusal = readRefusal(c);
  if (refusal) throw refusal;
}
