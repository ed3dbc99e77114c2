/**
 * A hand-written reading of the common event types that gives what `CloudEvent.safeParse` gives
 * for a valid event, several times faster: on the file door zod's parse objects, one per field,
 * were a quarter of a worker's time. It only ever says yes: anything it does not recognise or
 * does not like (an internal type, a tag map, a value out of range, an undefined field, an object
 * that is not plain) comes back null, and the caller asks zod, whose answer and messages stand.
 *
 * `test/unit/event-fast-path.test.ts` holds it to zod over generated valid and invalid events:
 * same value, same key order, or null.
 *
 * @example
 * const fast = readEventFast(JSON.parse(line));
 * const event = fast ? fast.event : parseEvent(JSON.parse(line));
 */
import { ACTOR_TYPES, CloudEvent, DEPLOY_STATUSES, ENTITY_REF_KINDS, type EventType, SERVICE_KINDS, SEVERITIES } from './events.js';

export interface FastRead {
  event: CloudEvent;
  /**
   * True when JSON of the input reads back as `event`: no field was dropped or rewritten, and below
   * the envelope's and data's own fields every object has its fields in the schema's order.
   */
  exact: boolean;
}

/** A field's value as the schema makes it, or BAD: not valid, or not a case handled here. */
type Check = (v: unknown) => unknown;
const BAD = Symbol('not read here');

interface Field {
  key: string;
  check: Check;
  optional: boolean;
}

const field = (key: string, check: Check): Field => ({ key, check, optional: false });
const optional = (key: string, check: Check): Field => ({ key, check, optional: true });

const text: Check = (v) => (typeof v === 'string' ? v : BAD);
const nonEmpty: Check = (v) => (typeof v === 'string' && v.length >= 1 ? v : BAD);
const id: Check = (v) => (typeof v === 'string' && v.length >= 1 && v.length <= 512 ? v : BAD);
const bool: Check = (v) => (typeof v === 'boolean' ? v : BAD);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const number: Check = (v) => (finite(v) ? v : BAD);
const nonNegative: Check = (v) => (finite(v) && v >= 0 ? v : BAD);
const oneOf = (values: readonly string[]): Check => {
  const set = new Set(values);
  return (v) => (typeof v === 'string' && set.has(v) ? v : BAD);
};
const literal = (value: string): Check => (v) => (v === value ? v : BAD);
const configValue: Check = (v) => (v === null || typeof v === 'string' || typeof v === 'boolean' || finite(v) ? v : BAD);

/** A list of `item`s, copied as zod copies it; a list with any item not read here is BAD. */
const listOf = (item: Check, min = 0): Check => (v) => {
  if (!Array.isArray(v) || v.length < min) return BAD;
  const out: unknown[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const r = item(v[i]);
    if (r === BAD) return BAD;
    out[i] = r;
  }
  return out;
};

/**
 * Tags as a list of strings (a map, which the schema rewrites as `key=value` strings, is left to
 * zod: it is rare and never exact).
 */
const tags = listOf(text);

/** Set by `nested` when an object below the data's own fields has other fields or another order. */
let reordered = false;

/** An object below the data's own fields: JSON reads back as it only with the same fields in the same order. */
const nested = (fields: readonly Field[]): Check => {
  // Rare (service SLOs, entity references): read without compiling.
  const read = interpretedReader(fields);
  return (v) => {
    const out = read(v);
    if (out === BAD) return BAD;
    if (!sameKeyOrder(v as object, out)) reordered = true;
    return out;
  };
};

function sameKeyOrder(a: object, b: object): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return false;
  return true;
}

/** Fields read by the last object reader that the input has and the schema does not know. */
const last = { unknownFields: 0 };

type ObjectReader = (v: unknown) => Record<string, unknown> | typeof BAD;

/**
 * A reader of a plain object of `fields`, which builds it in the schema's field order as zod
 * builds it, leaves absent optional fields out, and leaves an optional field present as undefined
 * to zod. Each reader is compiled for its fields, as zod compiles its object parsers: with one
 * loop over a list of fields, every property read, write and check shared one site, and the
 * engine's caches at those sites, seeing every field of every type, gave up (the fast path took
 * about twice as long).
 */
function objectReader(fields: readonly Field[], compile: boolean): ObjectReader {
  if (!compile) return interpretedReader(fields);
  const name = (f: Field): string => JSON.stringify(f.key);
  const lines = [
    "if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return BAD;",
    'let present = 0;',
    'let x;',
  ];
  fields.forEach((f, i) => {
    lines.push(`x = v[${name(f)}];`, `let r${i};`);
    lines.push(`if (x === undefined) { ${f.optional ? `if (${name(f)} in v) return BAD;` : 'return BAD;'} }`);
    lines.push(`else { r${i} = check${i}(x); if (r${i} === BAD) return BAD; present++; }`);
  });
  lines.push('let own = 0;', 'for (const k in v) if (Object.hasOwn(v, k)) own++;', 'last.unknownFields = own - present;', 'const out = {};');
  fields.forEach((f, i) => lines.push(f.optional ? `if (r${i} !== undefined) out[${name(f)}] = r${i};` : `out[${name(f)}] = r${i};`));
  lines.push('return out;');
  const checks = fields.map((f, i) => `check${i}`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the code is made from the field names above, never from input
  const make = new Function('BAD', 'last', ...checks, `return (v) => {\n${lines.join('\n')}\n};`) as (...args: unknown[]) => ObjectReader;
  return make(BAD, last, ...fields.map((f) => f.check));
}

const entityRef = nested([field('kind', oneOf(ENTITY_REF_KINDS)), field('id', id)]);
const slo = nested([
  field('objective', (v) => (finite(v) && v > 0 && v <= 1 ? v : BAD)),
  field('windowDays', (v) => (Number.isSafeInteger(v) && (v as number) > 0 ? v : BAD)),
]);

/** The data of each type read here, as `schema/events.ts` defines it. */
const DATA: Partial<Record<EventType, readonly Field[]>> = {
  'service.upserted': [
    field('service', id),
    optional('name', text),
    optional('kind', oneOf(SERVICE_KINDS)),
    optional('team', text),
    optional('tier', (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 4 ? v : BAD)),
    optional('zone', nonEmpty),
    optional('slo', slo),
    optional('tags', tags),
  ],
  'service.retired': [field('service', id)],
  'dependency.upserted': [
    field('from', id),
    field('to', id),
    optional('critical', bool),
    optional('rps', nonNegative),
    optional('timeoutMs', nonNegative),
    optional('protocol', text),
  ],
  'dependency.removed': [field('from', id), field('to', id)],
  'deploy.started': [
    field('deploy', id),
    field('service', id),
    field('version', nonEmpty),
    optional('previousVersion', text),
    optional('changes', listOf(text)),
    optional('rolloutPercent', (v) => (finite(v) && v >= 0 && v <= 100 ? v : BAD)),
  ],
  'deploy.finished': [field('deploy', id), field('status', oneOf(DEPLOY_STATUSES))],
  'config.changed': [
    field('change', id),
    field('service', id),
    field('key', nonEmpty),
    field('value', configValue),
    optional('previousValue', configValue),
    optional('dependency', id),
    optional('services', listOf(id)),
  ],
  'alert.fired': [
    field('alert', id),
    field('service', id),
    field('signal', nonEmpty),
    optional('severity', oneOf(SEVERITIES)),
    optional('value', number),
    optional('baseline', number),
    optional('summary', text),
    optional('dependency', id),
    optional('onsetObserved', bool),
  ],
  'alert.resolved': [field('alert', id)],
  'incident.opened': [field('incident', id), field('services', listOf(id, 1)), optional('title', text), optional('severity', text)],
  'incident.resolved': [field('incident', id), optional('rootCause', entityRef), optional('chain', listOf(entityRef))],
  'causal.confirmed': [field('cause', entityRef), field('effect', entityRef), optional('incident', id), optional('note', text)],
  'causal.rejected': [field('cause', entityRef), field('effect', entityRef), optional('incident', id), optional('note', text)],
};

/**
 * The timestamp pattern zod checks `time` with, taken from the schema itself so that the two
 * cannot drift apart.
 */
const TIME_PATTERN: RegExp = (() => {
  const variant = CloudEvent.options.find((o) => o.shape.type.value === 'service.retired');
  const pattern = (variant?.shape.time.def as { pattern?: unknown } | undefined)?.pattern;
  if (!(pattern instanceof RegExp) || pattern.global || pattern.sticky) throw new Error('schema/events.ts: time is no longer a pattern-checked string; update event-fast-path.ts');
  return pattern;
})();

const ENVELOPE: readonly Field[] = [
  field('specversion', literal('1.0')),
  field('id', id),
  field('source', id),
  field('time', (v) => (typeof v === 'string' && TIME_PATTERN.test(v) ? v : BAD)),
  optional('subject', text),
  optional('datacontenttype', text),
  optional('dataschema', text),
  optional('actor', nonEmpty),
  optional('actortype', oneOf(ACTOR_TYPES)),
  optional('actormodel', nonEmpty),
];

/** `objectReader` without compiling: one loop over the fields. */
function interpretedReader(fields: readonly Field[]): ObjectReader {
  return (v) => {
    if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return BAD;
    const input = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let present = 0;
    for (const f of fields) {
      const x = input[f.key];
      if (x === undefined) {
        if (!f.optional || f.key in input) return BAD;
        continue;
      }
      const r = f.check(x);
      if (r === BAD) return BAD;
      out[f.key] = r;
      present++;
    }
    let own = 0;
    for (const k in input) if (Object.hasOwn(input, k)) own++;
    last.unknownFields = own - present;
    return out;
  };
}

/** Whether this process may compile code from strings (`node --disallow-code-generation-from-strings` forbids it). */
const CAN_COMPILE = ((): boolean => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the probe for the compiled readers
    return (new Function('return true') as () => unknown)() === true;
  } catch {
    return false;
  }
})();

/** For each type read here: a reader of the whole event, envelope, type and data, in the schema's order. */
function eventReader(compile: boolean): (input: unknown) => FastRead | null {
  const readers = new Map(
    Object.entries(DATA).map(([type, fields]) => {
      const read = objectReader(fields, compile);
      const data: Check = (v) => {
        const out = read(v);
        if (out !== BAD && last.unknownFields > 0) reordered = true;
        // The schema's one refinement.
        if (out !== BAD && type === 'dependency.upserted' && out.from === out.to) return BAD;
        return out;
      };
      return [type, objectReader([...ENVELOPE, field('type', literal(type)), field('data', data)], compile)] as const;
    }),
  );
  return (input) => {
    if (typeof input !== 'object' || input === null) return null;
    const read = readers.get((input as { type?: unknown }).type as string);
    if (read === undefined) return null;
    reordered = false;
    const event = read(input);
    if (event === BAD) return null;
    return { event: event as CloudEvent, exact: !reordered && last.unknownFields === 0 };
  };
}

/**
 * The event `input` is, as `CloudEvent.safeParse(input).data` would give it, when it is of a type
 * read here and valid; null otherwise (ask zod).
 */
export const readEventFast: (input: unknown) => FastRead | null = eventReader(CAN_COMPILE);

/** `readEventFast` as a process that may not compile code from strings gets it (for tests). */
export const readEventFastInterpreted: (input: unknown) => FastRead | null = eventReader(false);
