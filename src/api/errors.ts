/**
 * Errors a client caused. They are GraphQLErrors with `extensions.code = "BAD_USER_INPUT"`, so
 * yoga passes them through unmasked; anything else a resolver throws is a bug and is masked.
 */
import { GraphQLError, type ASTNode } from 'graphql';

export const BAD_USER_INPUT = 'BAD_USER_INPUT';

/**
 * An argument the client got wrong.
 *
 * @example
 * throw badArgument('depth', 'must be between 1 and 6, got 9');
 * // message: Argument "depth" must be between 1 and 6, got 9
 */
export function badArgument(argument: string, problem: string): GraphQLError {
  return new GraphQLError(`Argument "${argument}" ${problem}`, { extensions: { code: BAD_USER_INPUT, argument } });
}

/** A value that is not a DateTime; `naming.ts` rewrites it to name the argument it was given for. */
export class InvalidDateTimeError extends GraphQLError {
  constructor(
    readonly problem: string,
    nodes?: ASTNode,
  ) {
    super(`DateTime ${problem}`, { ...(nodes ? { nodes } : {}), extensions: { code: BAD_USER_INPUT } });
  }
}
