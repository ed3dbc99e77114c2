/**
 * graphql-js reports a bad literal by its position only ("Expected value of type DateTime!").
 * This plugin rewrites such errors to say which argument of which field held the value, so that a
 * client (often an agent) can fix its query without counting columns.
 */
import { BREAK, type ASTNode, type DocumentNode, GraphQLError, Kind, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { BAD_USER_INPUT, InvalidDateTimeError } from './errors.js';

/** `argument "at" of graphAt`, or `argument "action.at" of blastRadius` for a field of an input object. */
export function describeValue(document: DocumentNode, target: ASTNode): string | null {
  let found: string | null = null;
  visit(document, {
    enter(node, _key, parent, _path, ancestors) {
      if (node !== target) return undefined;
      const chain = [...ancestors, parent, node].filter((a): a is ASTNode => a !== undefined && !Array.isArray(a));
      const argAt = chain.findLastIndex((a) => a.kind === Kind.ARGUMENT);
      const arg = chain[argAt];
      if (arg?.kind !== Kind.ARGUMENT) return BREAK;
      const inner = chain.slice(argAt).flatMap((a) => (a.kind === Kind.OBJECT_FIELD ? [a.name.value] : []));
      const field = chain.slice(0, argAt).findLast((a) => a.kind === Kind.FIELD);
      const name = [arg.name.value, ...inner].join('.');
      found = `Argument "${name}"${field?.kind === Kind.FIELD ? ` of ${field.name.value}` : ''}`;
      return BREAK;
    },
  });
  return found;
}

export function useArgumentNames(): Plugin {
  return {
    onValidate({ params }) {
      return ({ result, setResult }) => {
        if (result.length === 0) return;
        const document = params.documentAST as DocumentNode;
        setResult(
          result.map((e: unknown) => {
            if (!(e instanceof InvalidDateTimeError) || !e.nodes?.[0]) return e;
            const where = describeValue(document, e.nodes[0]);
            if (!where) return e;
            return new GraphQLError(`${where} is not a valid DateTime: it ${e.problem}`, {
              nodes: e.nodes ?? null,
              extensions: { code: BAD_USER_INPUT },
            });
          }),
        );
      };
    },
  };
}
