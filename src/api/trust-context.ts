/**
 * What the trust and postmortem fields need in the GraphQL context, and who the author of a
 * verdict is. Where the control layer authenticates callers, the author is the caller (a token
 * cannot speak for someone else); on a server without tokens, the author is given as an argument.
 */
import { GraphQLError } from 'graphql';
import type { TrustService } from '../trust-store/trust-service.js';
import type { Author } from '../trust/provenance.js';
import type { ApiContext } from './builder.js';
import { assertCanRead } from './control-context.js';
import { badArgument } from './errors.js';

export interface TrustContext {
  readonly service: TrustService;
}

const fail = (code: string, message: string): GraphQLError => new GraphQLError(message, { extensions: { code } });

/** The trust service, or a clear error when the server runs without it. */
export function trustOf(ctx: ApiContext): TrustService {
  if (!ctx.trust) throw fail('TRUST_DISABLED', 'the trust layer is not configured on this server');
  if (ctx.control) assertCanRead(ctx.control);
  return ctx.trust.service;
}

export interface AuthorArg {
  id: string;
  type: 'agent' | 'human';
}

/** The author of a write: the authenticated caller, or the `author` argument where there are no tokens. */
export function authorOf(ctx: ApiContext, given: AuthorArg | null | undefined): Author {
  const c = ctx.control;
  if (c) {
    if (c.badToken) throw fail('UNAUTHENTICATED', 'unknown API token');
    if (c.caller === null) throw fail('UNAUTHENTICATED', 'recording this needs an API token (Authorization: Bearer <token>)');
    if (given && given.id !== c.caller.id) throw fail('FORBIDDEN', `the author is the caller (${c.caller.id}), not ${given.id}`);
    return { id: c.caller.id, type: c.caller.role === 'agent' ? 'agent' : 'human' };
  }
  if (!given) throw badArgument('author', 'is required: this server has no API tokens to say who you are');
  if (!given.id.trim()) throw badArgument('author.id', 'must not be empty');
  return { id: given.id, type: given.type };
}
