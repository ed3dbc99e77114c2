/**
 * Facts: what an event asserts about one entity, at one valid time, as recorded at one instant.
 * A fact never changes once stored; a later fact supersedes it for the attributes it sets.
 */
import type { EventType } from '../../schema/events.js';

/** JSON values an attribute can hold. */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/**
 * Kinds of entity the graph versions. `configValue` is one setting on one service (its id is
 * `service␟key`); `config` is one change event, referred to by its change id; `action` is one
 * action an agent proposed through the control layer, with its verdict, approvals and outcome;
 * `prediction` is one recorded analysis or prediction with its score; `ladder` is one agent's rung
 * on one service (its id is `agent␟service`), one fact per enrolment, promotion or demotion.
 */
export const FACT_KINDS = ['service', 'dependency', 'deploy', 'config', 'configValue', 'alert', 'incident', 'causal', 'action', 'prediction', 'ladder'] as const;
export type FactKind = (typeof FACT_KINDS)[number];

export interface Fact {
  readonly kind: FactKind;
  readonly id: string;
  /** Valid time, epoch milliseconds: when this became true in production. */
  readonly validFrom: number;
  /** Transaction time, epoch milliseconds: when ctxgraph stored it. */
  readonly recordedAt: number;
  /** The event's order key, `source␀id`: breaks ties between facts with equal valid time. */
  readonly key: string;
  readonly type: EventType;
  readonly attrs: Readonly<Record<string, Json>>;
}

/** Separator for compound ids; it cannot appear in JSON text a person would type. */
export const SEP = '\u001f';

export const dependencyId = (from: string, to: string): string => `${from}${SEP}${to}`;
export const configValueId = (service: string, key: string): string => `${service}${SEP}${key}`;

/** Splits a compound id made by `dependencyId` or `configValueId`. */
export function splitId(id: string): [string, string] {
  const i = id.indexOf(SEP);
  return i < 0 ? [id, ''] : [id.slice(0, i), id.slice(i + 1)];
}

/**
 * The idempotency key of an event: `(source, id)`. Comparing keys as strings compares the pairs.
 * `join` makes one flat string; concatenation would keep a chain of pieces (twice the bytes) for
 * every event the store holds.
 */
export const eventKey = (source: string, id: string): string => [source, id].join('\u0000');

export function splitEventKey(key: string): { source: string; id: string } {
  const i = key.indexOf('\u0000');
  return { source: key.slice(0, i), id: key.slice(i + 1) };
}

export const entityKey = (kind: FactKind, id: string): string => `${kind}:${id}`;
