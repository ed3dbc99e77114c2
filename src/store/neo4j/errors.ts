/**
 * The only place that knows Neo4j's error codes: each driver failure becomes one of the project's
 * error classes, so nothing above the adapter inspects driver errors.
 */
import { StoreUnavailableError } from '../graph-store.js';

/** The server refused the credentials. Retrying does not help; the configuration is wrong. */
export class StoreAuthError extends Error {
  override readonly name = 'StoreAuthError';
}

/** The configuration names something the server does not have (a database, say). */
export class StoreConfigError extends Error {
  override readonly name = 'StoreConfigError';
}

/** A query the server rejected: a bug in ctxgraph, not a condition to handle. */
export class StoreQueryError extends Error {
  override readonly name = 'StoreQueryError';
}

const UNAVAILABLE = new Set(['ServiceUnavailable', 'SessionExpired', 'Neo.ClientError.Cluster.NotALeader', 'Neo.ClientError.General.ForbiddenOnReadOnlyDatabase']);

function codeOf(e: unknown): string | null {
  if (typeof e !== 'object' || e === null) return null;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

/**
 * Maps a driver failure to a project error; anything else (a bug of ours) is returned as is.
 *
 * @example
 * try { await session.executeRead(work) } catch (e) { throw mapDriverError(e) }
 */
export function mapDriverError(e: unknown): unknown {
  const code = codeOf(e);
  if (code === null) return e;
  const message = e instanceof Error ? e.message : String(e);
  const options = { cause: e };
  if (UNAVAILABLE.has(code) || code.startsWith('Neo.TransientError.')) {
    return new StoreUnavailableError(`Neo4j is unavailable (${code}): ${message}`, options);
  }
  if (code === 'Neo.ClientError.Security.Unauthorized' || code === 'Neo.ClientError.Security.AuthenticationRateLimit') {
    return new StoreAuthError(`Neo4j refused the credentials (${code}): ${message}`, options);
  }
  if (code === 'Neo.ClientError.Database.DatabaseNotFound') {
    return new StoreConfigError(`Neo4j has no such database (${code}): ${message}`, options);
  }
  if (code.startsWith('Neo.')) return new StoreQueryError(`Neo4j rejected a query (${code}): ${message}`, options);
  return e;
}
