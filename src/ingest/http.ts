/**
 * The HTTP door, `POST /v1/events` (CONTRACT §2): decodes the body by content type, hands every
 * item to the pipeline in one all-or-nothing batch, and answers 200 only once the pipeline has
 * resolved, which is after the events are durable.
 */
import type { IncomingMessage } from 'node:http';
import { INTERNAL_EVENT_TYPES } from '../../schema/events.js';
import type { Logger } from '../logger.js';
import { StoreUnavailableError } from '../store/graph-store.js';
import type { Pipeline } from './pipeline.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** One problem with a request; `index` and `line` say where, when the problem is in one item. */
export interface HttpIngestError {
  index: number | null;
  id: string | null;
  path: string;
  message: string;
  /** 1-based line of the body, for NDJSON. */
  line?: number;
}

export interface HttpReply {
  status: number;
  body: { accepted: number; duplicates: number } | { errors: HttpIngestError[] };
  /** The request body was not read to its end: the connection must not be reused. */
  close?: boolean;
}

type Framing = 'one' | 'array' | 'one-or-array' | 'ndjson';

const FRAMINGS: Readonly<Record<string, Framing>> = {
  'application/cloudevents+json': 'one',
  'application/cloudevents-batch+json': 'array',
  'application/json': 'one-or-array',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
};

const fail = (status: number, path: string, message: string, close?: boolean): HttpReply => ({
  status,
  body: { errors: [{ index: null, id: null, path, message }] },
  ...(close ? { close } : {}),
});

/** Reads the body, or stops at `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        // Drop the rest as it comes; the answer closes the connection.
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

/** Line and column of a character offset, both 1-based. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** Where `JSON.parse` stopped in `text` (1-based line and column), and why. */
function jsonProblem(text: string, e: unknown): { line: number; column: number; reason: string } {
  const message = e instanceof Error ? e.message : String(e);
  const position = /at position (\d+)/.exec(message)?.[1];
  const { line, column } = lineAndColumn(text, position === undefined ? text.length : Number(position));
  return { line, column, reason: message.replace(/ in JSON at position \d+.*$/, '') };
}

type Decoded = { ok: true; items: unknown[]; lines?: number[] } | { ok: false; reply: HttpReply };

function decode(text: string, framing: Framing, mediaType: string): Decoded {
  if (framing === 'ndjson') {
    const items: unknown[] = [];
    const lines: number[] = [];
    const rows = text.split('\n');
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as string;
      if (row.trim() === '') continue;
      try {
        items.push(JSON.parse(row));
        lines.push(i + 1);
      } catch (e) {
        const p = jsonProblem(row, e);
        const message = `line ${i + 1} is not valid JSON (column ${p.column}): ${p.reason}`;
        return { ok: false, reply: { status: 400, body: { errors: [{ index: items.length, id: null, path: '(line)', line: i + 1, message }] } } };
      }
    }
    return { ok: true, items, lines };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const p = jsonProblem(text, e);
    const message = `the body is not valid JSON at line ${p.line}, column ${p.column}: ${p.reason}`;
    return { ok: false, reply: { status: 400, body: { errors: [{ index: null, id: null, path: '(body)', line: p.line, message }] } } };
  }
  const isArray = Array.isArray(value);
  if (framing === 'one' && (isArray || typeof value !== 'object' || value === null)) {
    return { ok: false, reply: fail(400, '(body)', `${mediaType} carries one event object; send several as application/cloudevents-batch+json`) };
  }
  if (framing === 'array' && !isArray) return { ok: false, reply: fail(400, '(body)', `${mediaType} carries a JSON array of events`) };
  if (framing === 'one-or-array' && !isArray && (typeof value !== 'object' || value === null)) {
    return { ok: false, reply: fail(400, '(body)', 'application/json carries a JSON array of events or one event object') };
  }
  return { ok: true, items: isArray ? (value as unknown[]) : [value] };
}

export interface EventsDoor {
  handle(req: IncomingMessage): Promise<HttpReply>;
}

/**
 * @example
 * const door = createEventsDoor({ pipeline, logger });
 * const reply = await door.handle(req); // { status: 200, body: { accepted: 3, duplicates: 0 } }
 */
export function createEventsDoor(deps: { pipeline: Pipeline; logger: Logger; maxBodyBytes?: number }): EventsDoor {
  const max = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const tooLarge = (): HttpReply => fail(413, '(body)', `the body is larger than ${max} bytes; send smaller batches`, true);
  return {
    async handle(req) {
      const contentType = req.headers['content-type'] ?? '';
      const [media = '', ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
      const framing = FRAMINGS[media];
      const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
      if (!framing || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
        req.resume();
        return fail(415, '(content-type)', `unsupported content type ${JSON.stringify(contentType)}; use UTF-8 ${Object.keys(FRAMINGS).join(', ')}`);
      }
      if (Number(req.headers['content-length'] ?? 0) > max) {
        req.resume();
        return tooLarge();
      }
      const body = await readBody(req, max);
      if (body === 'too-large') return tooLarge();
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      } catch {
        return fail(400, '(body)', 'the body is not valid UTF-8');
      }
      const decoded = decode(text, framing, media);
      if (!decoded.ok) return decoded.reply;
      if (decoded.items.length === 0) return fail(400, '(body)', 'the batch holds no events');
      try {
        const outcome = await deps.pipeline.ingest(decoded.items, { refused: INTERNAL_EVENT_TYPES });
        if (outcome.ok) return { status: 200, body: { accepted: outcome.accepted, duplicates: outcome.duplicates } };
        const lines = decoded.lines;
        const errors: HttpIngestError[] = outcome.errors.map((e) => {
          const line = lines?.[e.index];
          return line === undefined ? e : { ...e, line };
        });
        return { status: 400, body: { errors } };
      } catch (e) {
        if (e instanceof StoreUnavailableError) {
          deps.logger.warn({ err: e }, 'store unavailable; events refused');
          return fail(503, '(store)', 'the store is unavailable; nothing was stored, retry later');
        }
        deps.logger.error({ err: e }, 'ingest failed');
        return fail(500, '(store)', 'ingest failed and nothing was acknowledged; retrying is safe, as repeats count as duplicates');
      }
    },
  };
}
