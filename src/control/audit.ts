/**
 * The signed audit: every proposal, verdict, approval and outcome is one entry in a hash chain, and
 * every entry and the chain's head are signed with Ed25519. Changing, reordering or deleting an
 * entry breaks the chain; cutting the tail off disagrees with the signed head. Storage is a port
 * (`AuditSink`); `audit-file.ts` keeps it in a file.
 *
 * @example
 * const log = createAuditLog({ key, sink, start: GENESIS });
 * await log.append({ type: 'action.proposed', actor: 'bot-7', actionId: 'a1', data: { kind: 'DEPLOY' } });
 * verifyAudit(lines, head, publicKey).ok; // true
 */
import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import { z } from 'zod';
import type { Json } from '../model/facts.js';

export const AUDIT_TYPES = [
  'action.proposed',
  'action.decided',
  'action.approved',
  'action.executed',
  'action.health',
  'action.outcome',
  'grant.issued',
  'grant.revoked',
  'kill.engaged',
  'kill.lifted',
  'policy.loaded',
  'drift.alarm',
  'trust.promotion',
  'trust.demotion',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

const JsonValue: z.ZodType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]));
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits');

export const AuditEntry = z.object({
  seq: z.number().int().positive(),
  at: z.string(),
  type: z.enum(AUDIT_TYPES),
  actor: z.string().nullable(),
  actionId: z.string().nullable(),
  data: JsonValue,
  prev: Hex64,
  hash: Hex64,
  sig: z.string().min(1),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** The last entry's position and hash, signed: what the log must end with. */
export const AuditHead = z.object({ seq: z.number().int().nonnegative(), hash: Hex64, sig: z.string() });
export type AuditHead = z.infer<typeof AuditHead>;

/** The `prev` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with keys sorted at every level, so that the hash does not depend on key order. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

type Unsigned = Omit<AuditEntry, 'hash' | 'sig'>;

export const entryHash = (e: Unsigned): string =>
  createHash('sha256').update(canonicalJson({ seq: e.seq, at: e.at, type: e.type, actor: e.actor, actionId: e.actionId, data: e.data, prev: e.prev })).digest('hex');

const headMessage = (seq: number, hash: string): Buffer => Buffer.from(`ctxgraph-audit-head:${seq}:${hash}`);

export function signHead(seq: number, hash: string, key: KeyObject): AuditHead {
  return { seq, hash, sig: sign(null, headMessage(seq, hash), key).toString('base64') };
}

export interface AuditSink {
  /**
   * Stores entries durably, in order, then the head; resolves once the entries survive a crash. The
   * head may lag after a crash (verify warns), never lead.
   */
  write(entries: readonly AuditEntry[], head: AuditHead): Promise<void>;
}

export interface AuditRecordInput {
  type: AuditType;
  actor: string | null;
  actionId: string | null;
  data: Json;
}

export interface AuditLog {
  /** Resolves with the entry once it is durable. Entries written together share one sync. */
  append(input: AuditRecordInput): Promise<AuditEntry>;
  head(): { seq: number; hash: string };
}

/**
 * A hash-chained, signed log over a sink. Entries are chained and signed at once, in call order;
 * they are written in batches (group commit), so that concurrent callers share each sync.
 */
export function createAuditLog(deps: { key: KeyObject; sink: AuditSink; start: { seq: number; hash: string }; now?: () => number }): AuditLog {
  const now = deps.now ?? Date.now;
  let seq = deps.start.seq;
  let last = deps.start.hash;
  let pending: { entry: AuditEntry; done: (e: AuditEntry) => void; fail: (e: unknown) => void }[] = [];
  let writing: Promise<void> | null = null;

  async function drain(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      const tail = (batch[batch.length - 1] as (typeof batch)[number]).entry;
      try {
        await deps.sink.write(batch.map((b) => b.entry), signHead(tail.seq, tail.hash, deps.key));
        for (const b of batch) b.done(b.entry);
      } catch (e) {
        for (const b of batch) b.fail(e);
      }
    }
    writing = null;
  }

  return {
    append(input) {
      const unsigned: Unsigned = { seq: ++seq, at: new Date(now()).toISOString(), type: input.type, actor: input.actor, actionId: input.actionId, data: input.data, prev: last };
      const hash = entryHash(unsigned);
      const entry: AuditEntry = { ...unsigned, hash, sig: sign(null, Buffer.from(hash, 'hex'), deps.key).toString('base64') };
      last = hash;
      return new Promise<AuditEntry>((done, fail) => {
        pending.push({ entry, done, fail });
        writing ??= drain();
      });
    },
    head: () => ({ seq, hash: last }),
  };
}

export interface AuditProblem {
  /** 1-based line in the log; 0 for the head. */
  line: number;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  lastSeq: number;
  problems: AuditProblem[];
  /** Not tampering, but worth knowing (e.g. signed entries after the head, left by a crash). */
  warnings: string[];
}

/**
 * Checks every line: its form, its place in the sequence, its link to the previous entry, its hash
 * and its signature; then that the log ends where the signed head says.
 */
export function verifyAudit(lines: readonly string[], head: AuditHead | null, publicKey: KeyObject): AuditVerification {
  const problems: AuditProblem[] = [];
  const warnings: string[] = [];
  let prev = GENESIS_HASH;
  let expected = 1;
  let count = 0;
  let lastSeq = 0;
  const hashes = new Map<number, string>();
  lines.forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      problems.push({ line, message: 'not JSON' });
      return;
    }
    const r = AuditEntry.safeParse(parsed);
    if (!r.success) {
      problems.push({ line, message: `not an audit entry: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}` });
      return;
    }
    const e = r.data;
    count++;
    if (e.seq !== expected) {
      problems.push({
        line,
        message: e.seq > expected ? `seq ${e.seq} where ${expected} was due: entries deleted` : `seq ${e.seq} where ${expected} was due: entries reordered or repeated`,
      });
    }
    if (e.prev !== prev) problems.push({ line, message: `seq ${e.seq} does not link to the entry before it: the chain is broken` });
    if (entryHash(e) !== e.hash) problems.push({ line, message: `seq ${e.seq} was altered: its content does not match its hash` });
    else if (!verify(null, Buffer.from(e.hash, 'hex'), publicKey, Buffer.from(e.sig, 'base64'))) {
      problems.push({ line, message: `seq ${e.seq} has an invalid signature` });
    }
    hashes.set(e.seq, e.hash);
    prev = e.hash;
    expected = e.seq + 1;
    lastSeq = e.seq;
  });
  if (head === null) {
    if (count > 0) problems.push({ line: 0, message: 'the signed head is missing: truncation cannot be ruled out' });
  } else if (!verify(null, headMessage(head.seq, head.hash), publicKey, Buffer.from(head.sig, 'base64'))) {
    problems.push({ line: 0, message: 'the head has an invalid signature' });
  } else if (head.seq > lastSeq) {
    problems.push({ line: 0, message: `truncated: the signed head records seq ${head.seq}, the log ends at ${lastSeq}` });
  } else if (hashes.get(head.seq) !== head.hash) {
    problems.push({ line: 0, message: `entry ${head.seq} differs from the one the signed head records` });
  } else if (head.seq < lastSeq) {
    warnings.push(`entries ${head.seq + 1}..${lastSeq} follow the signed head (a crash between the log and the head write leaves this)`);
  }
  return { ok: problems.length === 0, entries: count, lastSeq, problems, warnings };
}

/** A sink that keeps the log in memory (tests, benchmarks, a process without an audit file). */
export function createMemoryAuditSink(): AuditSink & { lines: string[]; head: AuditHead | null } {
  const sink = {
    lines: [] as string[],
    head: null as AuditHead | null,
    write(entries: readonly AuditEntry[], head: AuditHead): Promise<void> {
      sink.lines.push(...entries.map((e) => JSON.stringify(e)));
      sink.head = head;
      return Promise.resolve();
    },
  };
  return sink;
}
