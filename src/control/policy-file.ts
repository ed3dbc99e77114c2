/**
 * The policy file: JSON validated by zod, every problem reported at once, reloadable without a
 * restart. An invalid edit keeps the policy in force and says what is wrong. `examples/policy.json`
 * is a complete sample; every field has a default, so `{ "version": 1 }` is a valid policy.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ACTION_KINDS } from './action.js';
import { missingIsRequired } from '../../schema/issues.js';

const Share = z.number().min(0, 'must be at least 0').max(1, 'must be at most 1');
const Count = z.number().int().min(0);

export const Policy = z
  .object({
    version: z.literal(1, { message: 'must be 1' }),
    /** Compute and record every verdict, allow nothing. */
    dryRun: z.boolean().default(false),
    blastRadius: z
      .object({
        /** Share of entry traffic (scaled by the rollout percent) or tier-1 services reached at which an action needs approval. */
        approval: z.object({ trafficShare: Share.default(0.1), tier1: Count.default(2) }).prefault({}),
        deny: z.object({ trafficShare: Share.default(0.6), tier1: Count.default(10) }).prefault({}),
      })
      .prefault({}),
    schemaDrift: z.object({ destructiveMigration: z.enum(['human-approval', 'deny']).default('human-approval') }).prefault({}),
    networkBoundary: z
      .object({
        crossZone: z.enum(['allow', 'approval', 'deny']).default('approval'),
        /** [zone acted in, zone reached] pairs that need nothing more. */
        allowed: z.array(z.tuple([z.string(), z.string()])).default([]),
      })
      .prefault({}),
    grants: z
      .object({
        /** Agents need a grant covering the service and kind; humans and admins act on their own authority. */
        required: z.boolean().default(true),
        maxTtlSeconds: z.number().int().positive().default(24 * 3600),
      })
      .prefault({}),
    reversible: z.object({ irreversible: z.enum(['approval', 'deny']).default('approval') }).prefault({}),
    rateLimit: z
      .object({
        /** Actions allowed or sent for approval, per service, per window. */
        perService: z.number().int().positive().default(20),
        windowSeconds: z.number().int().positive().default(60),
      })
      .prefault({}),
    quorum: z
      .object({
        approvals: z.number().int().min(1).default(1),
        highSeverity: z
          .object({
            approvals: z.number().int().min(1).default(2),
            trafficShare: Share.default(0.3),
            tier1: Count.default(3),
            kinds: z.array(z.enum(ACTION_KINDS)).default(['MIGRATION']),
          })
          .prefault({}),
      })
      .prefault({}),
    drift: z
      .object({
        /** Out-of-scope actions before an agent's proposals are denied outright. */
        denyAfter: z.number().int().min(1).default(3),
      })
      .prefault({}),
    health: z
      .object({
        /** Alerts of these severities on the target after execution fail its health (no severity counts as critical). */
        revertOnAlertSeverities: z.array(z.enum(['critical', 'warning', 'info'])).default(['critical', 'warning']),
        /**
         * How long after execution the health watcher looks for such alerts on the target, resolved
         * or not, and marks the action for revert without waiting for reportHealth; 0 turns it off.
         */
        watchSeconds: z.number().int().min(0).default(900),
      })
      .prefault({}),
    incidents: z
      .object({
        /**
         * An action on a service failing in an open incident that does not touch the service of the
         * incident's likeliest cause: `allow` says so in a line, `approval` or `deny` enforce it.
         */
        symptom: z.enum(['allow', 'approval', 'deny']).default('allow'),
      })
      .prefault({}),
    /** How long an approved or allowed action stays executable. */
    actionTtlSeconds: z.number().int().positive().default(3600),
  })
  .strict();
export type Policy = z.infer<typeof Policy>;

export type PolicyLoad = { ok: true; policy: Policy } | { ok: false; errors: string[] };

/** Parses policy JSON text; every problem comes back with the path it is at. */
export function parsePolicy(text: string, where: string): PolicyLoad {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`${where}: not JSON: ${(e as Error).message}`] };
  }
  const r = Policy.safeParse(json, { error: missingIsRequired });
  if (r.success) return { ok: true, policy: r.data };
  return { ok: false, errors: r.error.issues.map((i) => `${where}: ${i.path.map(String).join('.') || '(policy)'}: ${i.message}`) };
}

export const DEFAULT_POLICY: Policy = Policy.parse({ version: 1 });

export interface PolicyHolder {
  current(): Policy;
  /** Re-reads the file; on failure the policy in force stays and the errors come back. */
  reload(): Promise<PolicyLoad>;
  /** Reloads when the file changes; `onReload` hears every attempt. */
  watch(onReload: (r: PolicyLoad) => void): void;
  close(): void;
}

/** Loads the policy file (null: the defaults, no file) and keeps it current. Rejects when the first load fails. */
export async function openPolicy(file: string | null): Promise<PolicyHolder> {
  let policy = DEFAULT_POLICY;
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  const reload = async (): Promise<PolicyLoad> => {
    if (file === null) return { ok: true, policy };
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      return { ok: false, errors: [`${file}: ${(e as Error).message}`] };
    }
    const r = parsePolicy(text, file);
    if (r.ok) policy = r.policy;
    return r;
  };
  const first = await reload();
  if (!first.ok) throw new Error(`the policy is invalid:\n  ${first.errors.join('\n  ')}`);
  return {
    current: () => policy,
    reload,
    watch(onReload) {
      if (file === null || watcher) return;
      // Editors write in several steps; settle before reading.
      watcher = watch(file, () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          reload().then(onReload, (e: unknown) => onReload({ ok: false, errors: [String(e)] }));
        }, 100);
      });
    },
    close() {
      watcher?.close();
      if (timer) clearTimeout(timer);
    },
  };
}
