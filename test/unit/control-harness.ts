/** A control service over the fixture production, an in-memory audit and a given shared state. */
import { generateKeyPairSync } from 'node:crypto';
import type { Identity } from '../../src/control/action.js';
import { createAuditLog, createMemoryAuditSink, GENESIS_HASH, verifyAudit } from '../../src/control/audit.js';
import { type ControlService, createControlService } from '../../src/control/control-service.js';
import { parsePolicy, type PolicyHolder } from '../../src/control/policy-file.js';
import type { SharedState } from '../../src/control/shared-state.js';
import type { Pipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import type { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { production, T0 } from './control-fixtures.js';

export const bot: Identity = { id: 'bot', role: 'agent', model: 'model-a', scope: null };
export const bot2: Identity = { id: 'bot2', role: 'agent', model: 'model-b', scope: null };
export const ann: Identity = { id: 'ann', role: 'human', model: null, scope: null };
export const bob: Identity = { id: 'bob', role: 'human', model: null, scope: null };
export const root: Identity = { id: 'root', role: 'admin', model: null, scope: null };

export function fixedPolicy(json: object): PolicyHolder {
  let text = JSON.stringify({ version: 1, ...json });
  const parse = () => {
    const r = parsePolicy(text, 'test policy');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    return r.policy;
  };
  let policy = parse();
  return {
    current: () => policy,
    reload: () => {
      const r = parsePolicy(text, 'test policy');
      if (r.ok) policy = r.policy;
      return Promise.resolve(r);
    },
    watch: () => undefined,
    close: () => undefined,
    // Lets a test edit "the file".
    set(next: object) {
      text = JSON.stringify({ version: 1, ...next });
    },
  } as PolicyHolder & { set(next: object): void };
}

export interface Harness {
  control: ControlService;
  store: EmbeddedStore;
  pipeline: Pipeline;
  clock: { now: number };
  auditOk(): boolean;
  /** What the signed audit holds, in order. */
  auditEntries(): { type: string; actor: string | null; actionId: string | null }[];
  policy: PolicyHolder & { set(next: object): void };
}

export async function harness(state: SharedState, policy: object = {}, extraEvents: object[] = []): Promise<Harness> {
  const { store, pipeline } = await production(extraEvents);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const sink = createMemoryAuditSink();
  const clock = { now: T0 + 3_600_000 };
  const holder = fixedPolicy(policy) as PolicyHolder & { set(next: object): void };
  const audit = createAuditLog({ key: privateKey, sink, start: { seq: 0, hash: GENESIS_HASH }, now: () => clock.now });
  const verify = () => verifyAudit(sink.lines, sink.head, publicKey);
  const control = createControlService({
    reader: store,
    state,
    audit,
    policy: holder,
    verifyAudit: () => Promise.resolve(verify()),
    logger: silentLogger,
    now: () => clock.now,
    ingest: async (events) => {
      const r = await pipeline.ingest(events);
      if (!r.ok) throw new Error(`control emitted invalid events: ${JSON.stringify(r.errors)}`);
    },
    actionEvents: async (events) => {
      const r = await pipeline.ingest(events);
      if (!r.ok) throw new Error(`control emitted invalid action events: ${JSON.stringify(r.errors)}`);
    },
  });
  const auditEntries = () => sink.lines.map((l) => JSON.parse(l) as { type: string; actor: string | null; actionId: string | null });
  return { control, store, pipeline, clock, auditOk: () => verify().ok, auditEntries, policy: holder };
}

export const deployProposal = (service = 'cache', extra: object = {}) => ({
  kind: 'DEPLOY' as const,
  service,
  parameters: { version: 'v2', previousVersion: 'v1' },
  rolloutPercent: 100,
  reversible: true,
  destructive: false,
  justification: 'fix the leak',
  evidence: ['incident-7'],
  model: null,
  ...extra,
});
