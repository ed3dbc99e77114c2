/**
 * Anonymous reads, decided once per request for every query: where the control layer authenticates
 * callers and the config closes anonymous reads (CTXGRAPH_ANONYMOUS_READ=false), a query from a
 * caller without a valid token is refused as a whole, whichever fields it asks for (graphAt,
 * service, neighbourhood, changes, rootCause, the control and trust fields, and any added later).
 * Introspection and `whoami` stay open: the schema is published anyway, and a client must be able to
 * ask who it is. Mutations decide for themselves: each needs a token and answers with a typed refusal.
 */
import { type DocumentNode, getOperationAST, Kind, OperationTypeNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type ControlContext, readRefusal } from './control-context.js';

/** Top-level query fields anyone may ask for. */
const OPEN_FIELDS: ReadonlySet<string> = new Set(['__typename', '__schema', '__type', 'whoami']);

/** Whether the selection asks for a top-level field that is not open, through fragments too. */
function readsData(set: SelectionSetNode, document: DocumentNode, seen: Set<string>): boolean {
  return set.selections.some((s) => {
    if (s.kind === Kind.FIELD) return !OPEN_FIELDS.has(s.name.value);
    if (s.kind === Kind.INLINE_FRAGMENT) return readsData(s.selectionSet, document, seen);
    if (seen.has(s.name.value)) return false;
    seen.add(s.name.value);
    const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
    return fragment?.kind === Kind.FRAGMENT_DEFINITION ? readsData(fragment.selectionSet, document, seen) : false;
  });
}

export function useControlReadGate(): Plugin<{ control?: ControlContext }> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const control = args.contextValue.control;
      if (!control) return;
      const refusal = readRefusal(control);
      if (!refusal) return;
      const document = args.document as DocumentNode;
      const operation = getOperationAST(document, args.operationName as string | null | undefined);
      if (operation?.operation !== OperationTypeNode.QUERY || !readsData(operation.selectionSet, document, new Set())) return;
      setResultAndStopExecution({ errors: [refusal] });
    },
  };
}
