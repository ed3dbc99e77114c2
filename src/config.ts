/**
 * The only reader of process.env. Every setting is parsed with zod and every problem is reported
 * at once, so a misconfigured deployment fails at start with the whole list.
 */
import { z } from 'zod';
import { defaultAuditPaths } from './control/audit-verify-command.js';

const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));

const port = z.coerce.number().int().min(0).max(65535);

const Env = z.object({
  CTXGRAPH_HOST: z.string().min(1).default('127.0.0.1'),
  CTXGRAPH_PORT: port.default(4000),
  CTXGRAPH_DATA_DIR: z.string().min(1).default('data'),
  CTXGRAPH_SNAPSHOT_EVERY: z.coerce.number().int().positive().default(250_000),
  CTXGRAPH_MAX_BODY_BYTES: z.coerce.number().int().positive().default(16 * 1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NEO4J_URI: z
    .string()
    .regex(/^(neo4j|neo4j\+s|neo4j\+ssc|bolt|bolt\+s|bolt\+ssc):\/\/.+/, 'must be a neo4j:// or bolt:// URI')
    .optional(),
  NEO4J_USER: z.string().min(1).default('neo4j'),
  NEO4J_PASSWORD: z.string().optional(),
  NEO4J_DATABASE: z.string().min(1).optional(),
  KAFKA_BROKERS: csv.optional(),
  KAFKA_TOPICS: csv.default(['ctx.events']),
  KAFKA_GROUP_ID: z.string().min(1).default('ctxgraph'),
  KAFKA_CLIENT_ID: z.string().min(1).default('ctxgraph'),
  REDIS_URL: z.string().regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL').optional(),
  CTXGRAPH_POLICY_FILE: z.string().min(1).optional(),
  CTXGRAPH_AUDIT_FILE: z.string().min(1).optional(),
  CTXGRAPH_AUDIT_KEY_FILE: z.string().min(1).optional(),
  CTXGRAPH_TOKENS_FILE: z.string().min(1).optional(),
  CTXGRAPH_ANONYMOUS_READ: z.stringbool({ error: 'must be true or false (also 1/0, yes/no, on/off)' }).default(true),
  CTXGRAPH_TOKEN: z.string().min(1).optional(),
});

export interface Config {
  http: { host: string; port: number; maxBodyBytes: number };
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  embedded: { dataDir: string; snapshotEveryEvents: number };
  neo4j: { uri: string; user: string; password: string; database?: string } | null;
  kafka: { brokers: string[]; topics: string[]; groupId: string; clientId: string } | null;
  redis: { url: string } | null;
  /** The control layer; its shared state lives in `redis` when that is set. */
  control: {
    /** Null: the built-in default policy. */
    policyFile: string | null;
    auditFile: string;
    auditKeyFile: string;
    /** Null: no API tokens, so nobody is authenticated (agents cannot propose). */
    tokensFile: string | null;
    /** Whether callers without a token may read control and trust data. */
    anonymousRead: boolean;
  };
  /** The API token the command line's clients (`ctxgraph why`) send; null: none. */
  token: string | null;
}

/** Settings given on the command line; they win over the environment. */
export interface ConfigOverrides {
  host?: string;
  port?: number;
  dataDir?: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/**
 * @example
 * const r = loadConfig(process.env, { port: 4001 });
 * if (!r.ok) { console.error(r.errors.join('\n')); process.exit(2); }
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: ConfigOverrides = {}): ConfigResult {
  // Empty variables count as unset, as shells and compose files often leave them so.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = Env.safeParse(present);
  if (!r.success) {
    return { ok: false, errors: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  }
  const e = r.data;
  const errors: string[] = [];
  if (e.NEO4J_URI && e.NEO4J_PASSWORD === undefined) errors.push('NEO4J_PASSWORD: required when NEO4J_URI is set');
  if (errors.length > 0) return { ok: false, errors };
  const dataDir = overrides.dataDir ?? e.CTXGRAPH_DATA_DIR;
  // Under the data directory by default, where `npm run audit:verify` looks.
  const audit = defaultAuditPaths(dataDir);
  return {
    ok: true,
    config: {
      http: { host: overrides.host ?? e.CTXGRAPH_HOST, port: overrides.port ?? e.CTXGRAPH_PORT, maxBodyBytes: e.CTXGRAPH_MAX_BODY_BYTES },
      logLevel: e.LOG_LEVEL,
      embedded: { dataDir, snapshotEveryEvents: e.CTXGRAPH_SNAPSHOT_EVERY },
      neo4j: e.NEO4J_URI
        ? { uri: e.NEO4J_URI, user: e.NEO4J_USER, password: e.NEO4J_PASSWORD ?? '', ...(e.NEO4J_DATABASE ? { database: e.NEO4J_DATABASE } : {}) }
        : null,
      kafka: e.KAFKA_BROKERS && e.KAFKA_BROKERS.length > 0
        ? { brokers: e.KAFKA_BROKERS, topics: e.KAFKA_TOPICS, groupId: e.KAFKA_GROUP_ID, clientId: e.KAFKA_CLIENT_ID }
        : null,
      redis: e.REDIS_URL ? { url: e.REDIS_URL } : null,
      control: {
        policyFile: e.CTXGRAPH_POLICY_FILE ?? null,
        auditFile: e.CTXGRAPH_AUDIT_FILE ?? audit.auditFile,
        auditKeyFile: e.CTXGRAPH_AUDIT_KEY_FILE ?? audit.auditKeyFile,
        tokensFile: e.CTXGRAPH_TOKENS_FILE ?? null,
        anonymousRead: e.CTXGRAPH_ANONYMOUS_READ,
      },
      token: e.CTXGRAPH_TOKEN ?? null,
    },
  };
}
