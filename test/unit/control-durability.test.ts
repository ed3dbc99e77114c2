/**
 * A proposal is answered before its audit entries and events are durable, but nothing can act on
 * it before they are: approve, execute and the action's view wait for them, and a proposal whose
 * entries never reached the disk (a crash) is unknown afterwards, so its action never runs.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/control/action.js';
import { type AuditLog, createAuditLog, createMemoryAuditSink, GENESIS_HASH } from '../../src/control/audit.js';
import { openFileAudit, verifyAuditFile } from '../../src/control/audit-file.js';
import { type ControlService, createControlService, type Result } from '../../src/control/control-service.js';
import type { SharedState } from '../../src/control/shared-state.js';
import { createMemorySharedState } from '../../src/control/shared-state/memory.js';
import { silentLogger } from '../../src/logger.js';
import type { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { production, T0 } from './control-fixtures.js';
import { ann, bob, bot, deployProposal, fixedPolicy } from './control-harness.js';

/** Loose enough that a deploy on cart is allowed outright; QUORUM makes it wait for an approval. */
const OPEN = { blastRadius: { approval: { trafficShare: 0.5, tier1: 5 }, deny: { trafficShare: 0.99, tier1: 10 } }, networkBoundary: { crossZone: 'allow' } };
const QUORUM = { ...OPEN, reversible: { irreversible: 'approval' } };

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** An audit log whose entries reach the sink only while the gate is open (`hold`: a disk that does not answer). */
function gatedAudit(log: AuditLog): AuditLog & { hold(): void; release(): void } {
  let gate = Promise.resolve();
  let open = (): void => undefined;
  return {
    append: (e) => gate.then(() => log.append(e)),
    head: () => log.head(),
    hold: () => {
      gate = new Promise<void>((r) => (open = r));
    },
    release: () => open(),
  };
}

function service(store: EmbeddedStore, state: SharedState, audit: AuditLog, policy: object, events: string[]): ControlService {
  return createControlService({
    reader: store,
    state,
    audit,
    policy: fixedPolicy(policy),
    verifyAudit: () => Promise.reject(new Error('not used')),
    logger: silentLogger,
    now: () => T0 + 3_600_000,
    actionEvents: (e) => {
      events.push(...e.map((x) => x.type));
      return Promise.resolve();
    },
  });
}

/** Whether a promise has settled after everything already queued has run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  return done;
}

async function granted(control: ControlService, agent: Identity = bot): Promise<void> {
  value(await control.grant(ann, { agent: agent.id, services: ['cart'], kinds: ['DEPLOY'], ttlSeconds: 3600 }));
}

describe('a proposal answered before its records are durable', () => {
  async function open(policy: object) {
    const { store } = await production();
    const { privateKey } = generateKeyPairSync('ed25519');
    const sink = createMemoryAuditSink();
    const audit = gatedAudit(createAuditLog({ key: privateKey, sink, start: { seq: 0, hash: GENESIS_HASH } }));
    const state = createMemorySharedState();
    const events: string[] = [];
    const control = service(store, state, audit, policy, events);
    await granted(control);
    const entries = (id: string): string[] =>
      sink.lines
        .map((l) => JSON.parse(l) as { type: string; actionId: string | null })
        .filter((e) => e.actionId === id)
        .map((e) => e.type);
    return { control, audit, state, events, entries };
  }

  it('cannot be executed until its audit entries are synced', async () => {
    const h = await open(OPEN);
    h.audit.hold();
    // The verdict comes back while the audit holds nothing of it.
    const proposed = value(await h.control.propose(bot, deployProposal('cart')));
    expect(proposed.record).toMatchObject({ verdict: 'ALLOW', status: 'ALLOWED' });
    expect(h.entries(proposed.record.id)).toEqual([]);

    const executing = h.control.execute(bot, proposed.record.id);
    const viewing = h.control.action(proposed.record.id);
    expect(await settled(executing)).toBe(false);
    expect(await settled(viewing)).toBe(false);
    expect(h.events).not.toContain('action.executed');

    h.audit.release();
    expect(value(await executing).record.status).toBe('EXECUTED');
    expect(value(await viewing).record.id).toBe(proposed.record.id);
    expect(h.entries(proposed.record.id)).toEqual(['action.proposed', 'action.decided', 'action.executed', 'action.outcome']);
    expect(h.events).toContain('action.executed');
  });

  it('cannot be approved until its audit entries are synced, and no other instance knows it before', async () => {
    const h = await open(QUORUM);
    h.audit.hold();
    const proposed = value(await h.control.propose(bot, deployProposal('cart', { reversible: false })));
    expect(proposed.record.status).toBe('PENDING_APPROVAL');
    const approving = h.control.approve(bob, proposed.record.id, 'looks fine');
    expect(await settled(approving)).toBe(false);
    // Shared state (what another instance reads) learns of the action only once it is durable.
    expect(await h.state.action(proposed.record.id)).toBeNull();
    h.audit.release();
    expect(value(await approving).approvals.map((a) => a.approver)).toEqual(['bob']);
    expect(h.entries(proposed.record.id)).toEqual(['action.proposed', 'action.decided', 'action.approved']);
  });

  describe('across a crash', () => {
    let dir = '';
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('forgets a proposal whose entries never reached the audit file: after reopening, its action cannot execute', async () => {
      dir = await mkdtemp(join(tmpdir(), 'ctxgraph-durability-'));
      const auditFile = join(dir, 'audit.ndjson');
      const keyFile = join(dir, 'audit.key');
      const { store } = await production();
      // Shared state outlives the process (as Redis does); the audit file is what the disk kept.
      const state = createMemorySharedState();

      const first = await openFileAudit({ auditFile, keyFile });
      const before = service(store, state, first.log, OPEN, []);
      await granted(before);
      const kept = value(await before.propose(bot, deployProposal('cart')));
      await before.flush();
      const synced = await readFile(auditFile, 'utf8');

      // The next proposal is answered, but the process dies before its entries are written and synced.
      const dying = gatedAudit(first.log);
      dying.hold();
      const lost = value(await service(store, state, dying, OPEN, []).propose(bot, deployProposal('cart')));
      expect(lost.record.status).toBe('ALLOWED');
      await first.close();
      // What a crash may leave: the synced lines, and part of a line that was being written.
      await writeFile(auditFile, `${synced}{"seq":99,"at":"2026`);

      const reopened = await openFileAudit({ auditFile, keyFile });
      const after = service(store, state, reopened.log, OPEN, []);
      const refused = await after.execute(bot, lost.record.id);
      expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await after.action(lost.record.id)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

      // The proposal that was durable before the crash still runs, and the chain goes on intact.
      expect(value(await after.execute(bot, kept.record.id)).record.status).toBe('EXECUTED');
      await reopened.close();
      const check = await verifyAuditFile(auditFile, keyFile);
      expect(check).toMatchObject({ ok: true, problems: [] });
      const ids = (await readFile(auditFile, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { actionId: string | null }).actionId);
      expect(ids).toContain(kept.record.id);
      expect(ids).not.toContain(lost.record.id);
    });
  });
});
