/**
 * Scalars: `DateTime` (RFC 3339 with an offset on the wire, epoch milliseconds inside, the unit of
 * `Instant`) and `JSON` (config values and raw attributes, which may be any JSON value).
 */
import { Kind, print, type ValueNode } from 'graphql';
import { z } from 'zod';
import type { Json } from '../model/facts.js';
import { toIso, toMillis } from '../model/time.js';
import { builder } from './builder.js';
import { InvalidDateTimeError } from './errors.js';

const Rfc3339 = z.iso.datetime({ offset: true });
const EXAMPLE = 'e.g. 2026-05-01T12:00:00Z';

function parseDateTime(value: unknown, node?: ValueNode): number {
  if (typeof value !== 'string') {
    const got = node ? print(node) : (JSON.stringify(value) ?? String(value));
    throw new InvalidDateTimeError(`must be an RFC 3339 string with an offset (${EXAMPLE}), got ${got}`, node);
  }
  if (!Rfc3339.safeParse(value).success) {
    throw new InvalidDateTimeError(`must be an RFC 3339 timestamp with an offset (${EXAMPLE}), got ${JSON.stringify(value)}`, node);
  }
  return toMillis(value);
}

export const DateTime = builder.scalarType('DateTime', {
  description: 'An instant as RFC 3339 text with an offset, e.g. 2026-05-01T12:00:00Z. Answers are in UTC with milliseconds.',
  serialize: (ms) => toIso(ms),
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (node) => parseDateTime(node.kind === Kind.STRING ? node.value : undefined, node),
});

function literalToJson(node: ValueNode): Json {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    case Kind.VARIABLE:
      throw new TypeError('JSON literals cannot contain variables');
  }
}

export const JSONScalar = builder.scalarType('JSON', {
  description: 'Any JSON value: a string, number, boolean, null, list or object.',
  serialize: (v) => v,
  parseValue: (v) => v as Json,
  parseLiteral: literalToJson,
});
