import { generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AuditEntry, type AuditHead, canonicalJson, createAuditLog, entryHash, GENESIS_HASH, verifyAudit } from '../../src/control/audit.js';
import { openFileAudit, verifyAuditFile } from '../../src/control/audit-file.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

async function memoryLog(n: number): Promise<{ lines: string[]; head: AuditHead }> {
  const lines: string[] = [];
  let head: AuditHead | null = null;
  const log = createAuditLog({
    key: privateKey,
    start: { seq: 0, hash: GENESIS_HASH },
    now: () => Date.parse('2026-03-01T00:00:00Z'),
    sink: {
      write(entries, h) {
        lines.push(...entries.map((e) => JSON.stringify(e)));
        head = h;
        return Promise.resolve();
      },
    },
  });
  await Promise.all(Array.from({ length: n }, (_, i) => log.append({ type: 'action.proposed', actor: 'bot', actionId: `a${i}`, data: { i, kind: 'DEPLOY' } })));
  return { lines, head: head as unknown as AuditHead };
}

const edit = (line: string, f: (e: AuditEntry) => void): string => {
  const e = JSON.parse(line) as AuditEntry;
  f(e);
  return JSON.stringify(e);
};

describe('signed audit', () => {
  it('verifies an intact log written by concurrent callers, in sequence', async () => {
    const { lines, head } = await memoryLog(20);
    const r = verifyAudit(lines, head, publicKey);
    expect(r).toMatchObject({ ok: true, entries: 20, lastSeq: 20, problems: [] });
    expect(lines.map((l) => (JSON.parse(l) as AuditEntry).seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('detects an altered entry', async () => {
    const { lines, head } = await memoryLog(5);
    lines[2] = edit(lines[2] as string, (e) => (e.actor = 'mallory'));
    expect(verifyAudit(lines, head, publicKey).problems.map((p) => p.message)).toEqual(['seq 3 was altered: its content does not match its hash']);
  });

  it('detects an entry re-hashed without the key', async () => {
    const { lines, head } = await memoryLog(3);
    const { hash: _h, sig: _s, ...rest } = JSON.parse(lines[2] as string) as AuditEntry;
    const forged = { ...rest, data: { i: 99 } };
    lines[2] = JSON.stringify({ ...forged, hash: entryHash(forged), sig: (JSON.parse(lines[2] as string) as AuditEntry).sig });
    const r = verifyAudit(lines, head, publicKey);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(/seq 3 has an invalid signature/);
  });

  it('detects reordering, deletion and truncation', async () => {
    const { lines, head } = await memoryLog(6);
    const swapped = [...lines];
    [swapped[1], swapped[2]] = [swapped[2] as string, swapped[1] as string];
    expect(verifyAudit(swapped, head, publicKey).problems.map((p) => p.message).join('\n')).toMatch(/reordered/);
    const deleted = lines.filter((_, i) => i !== 3);
    expect(verifyAudit(deleted, head, publicKey).problems.map((p) => p.message).join('\n')).toMatch(/entries deleted/);
    const truncated = lines.slice(0, 4);
    expect(verifyAudit(truncated, head, publicKey).problems.map((p) => p.message)).toEqual(['truncated: the signed head records seq 6, the log ends at 4']);
    expect(verifyAudit(lines, null, publicKey).ok).toBe(false);
  });

  it('refuses a log signed with another key', async () => {
    const { lines, head } = await memoryLog(2);
    expect(verifyAudit(lines, head, generateKeyPairSync('ed25519').publicKey).ok).toBe(false);
  });

  it('hashes the same content the same whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
  });

  describe('in files', () => {
    let dir = '';
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('continues the chain across restarts and detects tampering on a copy', async () => {
      dir = await mkdtemp(join(tmpdir(), 'ctxgraph-audit-'));
      const auditFile = join(dir, 'audit.ndjson');
      const keyFile = join(dir, 'audit.key');
      for (let run = 0; run < 2; run++) {
        const a = await openFileAudit({ auditFile, keyFile });
        for (let i = 0; i < 3; i++) await a.log.append({ type: 'action.outcome', actor: 'bot', actionId: `r${run}-${i}`, data: { status: 'succeeded' } });
        await a.close();
      }
      expect(await verifyAuditFile(auditFile, keyFile)).toMatchObject({ ok: true, entries: 6 });

      const copy = join(dir, 'copy.ndjson');
      await copyFile(auditFile, copy);
      await copyFile(`${auditFile}.head`, `${copy}.head`);
      const lines = (await readFile(copy, 'utf8')).split('\n');
      lines[1] = edit(lines[1] as string, (e) => (e.data = { status: 'failed' }));
      await writeFile(copy, lines.join('\n'));
      const r = await verifyAuditFile(copy, keyFile);
      expect(r.ok).toBe(false);
      expect(r.problems[0]).toMatchObject({ line: 2 });
      expect(await verifyAuditFile(auditFile, keyFile)).toMatchObject({ ok: true });
    });

    it('cuts a torn last line at open and goes on chaining', async () => {
      const auditFile = join(dir, 'torn.ndjson');
      const keyFile = join(dir, 'audit.key');
      const a = await openFileAudit({ auditFile, keyFile });
      await a.log.append({ type: 'kill.engaged', actor: 'ann', actionId: null, data: { scope: 'global' } });
      await a.close();
      await writeFile(auditFile, `${await readFile(auditFile, 'utf8')}{"seq":2,"at":"2026`);
      const b = await openFileAudit({ auditFile, keyFile });
      await b.log.append({ type: 'kill.lifted', actor: 'ann', actionId: null, data: { scope: 'global' } });
      await b.close();
      expect(await verifyAuditFile(auditFile, keyFile)).toMatchObject({ ok: true, entries: 2 });
    });
  });
});
