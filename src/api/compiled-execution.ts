/**
 * Queries run compiled (graphql-jit through envelop, cached per document): the same answers as
 * graphql-js's executor, about four times faster on large ones (a whole `graphAt` of 10,000
 * services). A request whose variables do not coerce runs on graphql-js instead, whose error names
 * the variable and keeps the scalar's own reason (graphql-jit's says only "Expected type DateTime").
 */
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, getVariableValues } from 'graphql';

export function useCompiledExecution(): ReturnType<typeof useGraphQlJit> {
  return useGraphQlJit(
    {},
    {
      enableIf: ({ schema, document, operationName, variableValues }) => {
        const operation = getOperationAST(document, operationName);
        if (!operation) return false;
        const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], (variableValues ?? {}));
        return coerced.errors === undefined;
      },
    },
  );
}
