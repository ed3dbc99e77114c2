/**
 * The audit log in files: entries as NDJSON in `auditFile`, the signed head in `auditFile.head`,
 * the Ed25519 key in `keyFile` (PKCS#8 PEM, created on first use with mode 0600) and its public half
 * in `keyFile.pub` for verifiers that must not hold the private key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type AuditEntry, AuditHead, type AuditLog, type AuditSink, type AuditVerification, createAuditLog, GENESIS_HASH, verifyAudit } from './audit.js';

const HEAD_BYTES = 512;

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Loads the signing key, creating it on first use. */
export async function loadOrCreateAuditKey(keyFile: string): Promise<KeyObject> {
  const pem = await readIfExists(keyFile);
  if (pem !== null) return createPrivateKey(pem);
  await mkdir(dirname(keyFile), { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  await writeFile(`${keyFile}.pub`, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'w' });
  return privateKey;
}

/** The public key from `keyFile.pub`, or derived from the private key when only that is there. */
export async function loadAuditPublicKey(keyFile: string): Promise<KeyObject> {
  const pub = await readIfExists(`${keyFile}.pub`);
  if (pub !== null) return createPublicKey(pub);
  const pem = await readIfExists(keyFile);
  if (pem === null) throw new Error(`no audit key at ${keyFile} (nor ${keyFile}.pub)`);
  return createPublicKey(createPrivateKey(pem));
}

export async function readAuditHead(auditFile: string): Promise<AuditHead | null> {
  const text = await readIfExists(`${auditFile}.head`);
  if (text === null || text.trim() === '') return null;
  const r = AuditHead.safeParse(JSON.parse(text));
  if (!r.success) throw new Error(`${auditFile}.head is not an audit head: ${r.error.message}`);
  return r.data;
}

/** Verifies the log and head in files with the public key beside `keyFile`. */
export async function verifyAuditFile(auditFile: string, keyFile: string): Promise<AuditVerification> {
  const text = (await readIfExists(auditFile)) ?? '';
  let head: AuditHead | null;
  try {
    head = await readAuditHead(auditFile);
  } catch (e) {
    return { ok: false, entries: 0, lastSeq: 0, problems: [{ line: 0, message: (e as Error).message }], warnings: [] };
  }
  return verifyAudit(text.split('\n'), head, await loadAuditPublicKey(keyFile));
}

export interface FileAudit {
  log: AuditLog;
  close(): Promise<void>;
}

/**
 * Opens the log for appending, continuing the chain from its last entry. A torn last line (a crash
 * mid-write, after the head was last written) is cut off first.
 */
export async function openFileAudit(opts: { auditFile: string; keyFile: string; now?: () => number }): Promise<FileAudit> {
  const key = await loadOrCreateAuditKey(opts.keyFile);
  await mkdir(dirname(opts.auditFile), { recursive: true });
  const text = (await readIfExists(opts.auditFile)) ?? '';
  // Only an unterminated last line can be a torn write; anything else damaged is left for verify to report.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  const keep = Buffer.byteLength(complete);
  const lastLine = complete.trimEnd().split('\n').pop() ?? '';
  let start = { seq: 0, hash: GENESIS_HASH };
  if (lastLine !== '') {
    let e: AuditEntry;
    try {
      e = JSON.parse(lastLine) as AuditEntry;
    } catch {
      throw new Error(`the last entry of ${opts.auditFile} is damaged; run audit:verify before appending to it`);
    }
    start = { seq: e.seq, hash: e.hash };
  }
  const fh: FileHandle = await open(opts.auditFile, 'a+');
  if (keep < Buffer.byteLength(text)) await fh.truncate(keep);
  await (await open(`${opts.auditFile}.head`, 'a')).close();
  const headFh = await open(`${opts.auditFile}.head`, 'r+');
  const sink: AuditSink = {
    async write(entries, head) {
      await fh.appendFile(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
      await fh.datasync();
      // A fixed-size head overwritten in place, never an empty or half-renamed file. It is not synced:
      // a crash can only leave it behind the log, which verify reports as a warning, while the one
      // sync per batch (the log's) is what makes the entries durable (docs/control.md, Durability).
      const body = Buffer.alloc(HEAD_BYTES, ' ');
      body.write(JSON.stringify(head));
      await headFh.write(body, 0, HEAD_BYTES, 0);
    },
  };
  return {
    log: createAuditLog({ key, sink, start, ...(opts.now ? { now: opts.now } : {}) }),
    async close() {
      await fh.close();
      await headFh.close();
    },
  };
}
