/**
 * Builds the control layer from typed configuration: shared state (Redis when configured, else in
 * process), the policy file (watched for changes), the signed audit and the API tokens. main.ts
 * calls `openControl` and hands `wiring` to the HTTP server.
 *
 * @example
 * const control = await openControl({ config: { ...defaults, tokensFile: 'tokens.json' }, reader: store, logger, ingest });
 * createHttpServer({ ..., control: control.wiring });
 * await control.close();
 */
import type { ActionEvent } from '../../schema/action-events.js';
import type { Logger } from '../logger.js';
import type { GraphReader } from '../store/graph-store.js';
import { type FileAudit, openFileAudit, verifyAuditFile } from './audit-file.js';
import type { AuditLog, AuditVerification } from './audit.js';
import { type ControlDeps, type ControlService, createControlService } from './control-service.js';
import { type Authenticator, createAuthenticator, loadTokensFile, type TokenEntry } from './identities.js';
import { openPolicy } from './policy-file.js';
import type { SharedState } from './shared-state.js';
import { createMemorySharedState } from './shared-state/memory.js';
import { createRedisSharedState } from './shared-state/redis.js';

export interface ControlConfig {
  /** The policy JSON (see examples/policy.json); null runs with the defaults. */
  policyFile: string | null;
  /** NDJSON audit log; its signed head sits beside it as `<auditFile>.head`. */
  auditFile: string;
  /** Ed25519 private key (PEM), created on first start; the public key goes to `<auditKeyFile>.pub`. */
  auditKeyFile: string;
  /** JSON list of `{ token, id, role, model?, scope? }` (see `TokenEntry`); null: nobody is authenticated. */
  tokensFile: string | null;
  /** Tokens given directly (tests, embedding); added to those of `tokensFile`. */
  tokens?: TokenEntry[];
  /** Whether callers without a token may read blast radius, actions, kill switches and the audit check. */
  anonymousRead: boolean;
  /** Shared state in Redis; null keeps it in this process. A configured Redis that cannot be reached stops the start. */
  redis: { url: string; prefix?: string } | null;
}

export interface OpenedControl {
  wiring: { service: ControlService; authenticator: Authenticator; anonymousRead: boolean };
  service: ControlService;
  /** The signed audit log, for other layers' entries (the trust ladder's promotions and demotions). */
  audit: AuditLog;
  close(): Promise<void>;
}

export async function openControl(deps: {
  config: ControlConfig;
  reader: GraphReader;
  logger: Logger;
  /** The pipeline's ingest, for the facts the control layer writes back (executed deploys and config changes). */
  ingest?: (events: object[]) => Promise<void>;
  /** Where the action.* events go (the pipeline's ingest), so the graph and replay cover agent actions. */
  actionEvents?: (events: ActionEvent[]) => Promise<void>;
  /** The trust ladder, for the `trust` primitive and the provenance of blast-radius predictions. */
  trust?: ControlDeps['trust'];
  /** The trust store writes graph events (event-sourced): proposals may reuse trust lines (trust-cache.ts). */
  keepTrustLines?: boolean;
}): Promise<OpenedControl> {
  const { config, logger } = deps;
  const tokens = [...(config.tokens ?? [])];
  if (config.tokensFile !== null) {
    const r = await loadTokensFile(config.tokensFile);
    if (!r.ok) throw new Error(`the API tokens are invalid:\n  ${r.errors.join('\n  ')}`);
    tokens.push(...r.tokens);
  }
  const policy = await openPolicy(config.policyFile);
  const state: SharedState = config.redis
    ? await createRedisSharedState({ url: config.redis.url, ...(config.redis.prefix ? { prefix: config.redis.prefix } : {}) })
    : createMemorySharedState();
  let audit: FileAudit;
  try {
    audit = await openFileAudit({ auditFile: config.auditFile, keyFile: config.auditKeyFile });
  } catch (e) {
    // A Redis connection opened above must not keep the process alive after a failed start.
    await state.close();
    throw e;
  }
  const service = createControlService({
    reader: deps.reader,
    state,
    audit: audit.log,
    policy,
    verifyAudit: (): Promise<AuditVerification> => verifyAuditFile(config.auditFile, config.auditKeyFile),
    logger,
    ...(deps.ingest ? { ingest: deps.ingest } : {}),
    ...(deps.actionEvents ? { actionEvents: deps.actionEvents } : {}),
    ...(deps.trust ? { trust: deps.trust } : {}),
    ...(deps.keepTrustLines ? { keepTrustLines: true } : {}),
  });
  policy.watch((r) => {
    if (r.ok) logger.info({ file: config.policyFile }, 'policy reloaded');
    else logger.error({ file: config.policyFile, errors: r.errors }, 'policy file is invalid; the previous policy stays in force');
  });
  logger.info({ sharedState: config.redis ? 'redis' : 'in-process', identities: tokens.length, policyFile: config.policyFile }, 'control layer ready');
  return {
    service,
    audit: audit.log,
    wiring: { service, authenticator: createAuthenticator(tokens), anonymousRead: config.anonymousRead },
    async close() {
      policy.close();
      // Proposals already answered are written before the audit file closes.
      await service.flush();
      await audit.close();
      await state.close();
    },
  };
}
