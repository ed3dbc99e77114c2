/**
 * The Redis shared state: every ctxgraph instance on the same Redis sees the same rate limits, kill
 * switches, grants and actions in flight. Whatever must be atomic is one Lua script, so parallel
 * requests on several instances never overrun a limit or run an action twice.
 */
import { Redis } from 'ioredis';
import type { ActionKind, ActionRecord, ActionStatus, Approval, Grant, KillSwitch, OutcomeRecord } from '../action.js';
import { killKey } from '../action.js';
import { ACTION_RETENTION_MS, OUTCOMES_KEPT, type RateLimitHit, type SharedSnapshot, type SharedState } from '../shared-state.js';

/** Redis' own clock in milliseconds: every instance sharing the window reads the same one. */
const SERVER_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Sliding-window log on the server's clock: drop what left the window, then admit only below the limit. */
const RATE_LIMIT = `${SERVER_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[2]) then return {0, n} end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {1, n + 1}`;

/** Hits still in the window, on the server's clock. */
const RATE_COUNT = `${SERVER_MS}
return redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[1])), '+inf')`;

/**
 * Compare-and-set on an action's status. ARGV: retention (ms), next status, next record, then the
 * allowed current statuses. Each change renews the action's and its approvals' time to live.
 */
const TRANSITION = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return 0 end
for i = 4, #ARGV do
  if ARGV[i] == current then
    redis.call('HSET', KEYS[1], 'status', ARGV[2], 'record', ARGV[3])
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    redis.call('PEXPIRE', KEYS[2], ARGV[1])
    return 1
  end
end
return 0`;

/** ARGV: retention (ms), status, record. */
const CREATE = `
if redis.call('HSETNX', KEYS[1], 'status', ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/** ARGV: approver, approval, retention (ms). Approvals live as long as their action. */
const APPROVE = `
local added = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[2])
redis.call('PEXPIRE', KEYS[1], ttl > 0 and ttl or tonumber(ARGV[3]))
return {added, redis.call('HVALS', KEYS[1])}`;

/** Records written by this adapter only; what comes back is what it stored. */
const parse = <T>(text: string): T => JSON.parse(text) as T;

export interface RedisSharedStateOptions {
  url: string;
  /** Namespaces every key, so that tests and several deployments can share one Redis. */
  prefix?: string;
  connectTimeoutMs?: number;
  /** How long an action and its approvals are kept after their last change (default `ACTION_RETENTION_MS`). */
  retentionMs?: number;
}

/** Connects and checks the connection; rejects with the reason when Redis cannot be reached. */
export async function createRedisSharedState(options: RedisSharedStateOptions): Promise<SharedState> {
  const redis = new Redis(options.url, {
    // RESP3 with RESP2-shaped replies: the scripts' array replies arrive as plain arrays.
    protocol: 3,
    replyMapping: 'legacy',
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new Error(`Redis at ${options.url} is unreachable: ${(e as Error).message}`);
  }
  const p = options.prefix ?? 'ctxgraph:';
  const retention = options.retentionMs ?? ACTION_RETENTION_MS;
  const k = {
    rate: (key: string) => `${p}rate:${key}`,
    kill: `${p}kill`,
    grants: (agent: string) => `${p}grants:${agent}`,
    deviations: `${p}deviations`,
    action: (id: string) => `${p}action:${id}`,
    approvals: (id: string) => `${p}approvals:${id}`,
    outcomes: (service: string, kind: ActionKind) => `${p}outcomes:${kind}:${service}`,
    executed: `${p}executed`,
  };

  return {
    async snapshot(q): Promise<SharedSnapshot> {
      const res = await redis
        .multi()
        .hvals(k.kill)
        .hvals(k.grants(q.agent))
        .hget(k.deviations, q.agent)
        .eval(RATE_COUNT, 1, k.rate(q.rateKey), q.windowMs)
        .exec();
      if (!res) throw new Error('Redis aborted the snapshot transaction');
      const [kills, grants, deviations, recent] = res.map(([err, v]) => {
        if (err) throw err;
        return v;
      });
      return {
        kills: (kills as string[]).map((t) => parse<KillSwitch>(t)),
        grants: (grants as string[]).map((t) => parse<Grant>(t)),
        deviations: Number(deviations ?? 0),
        recentActions: Number(recent),
      };
    },
    async hitRateLimit(q): Promise<RateLimitHit> {
      const [ok, n] = (await redis.eval(RATE_LIMIT, 1, k.rate(q.key), q.windowMs, q.limit, q.member)) as [number, number];
      return { allowed: ok === 1, count: n };
    },
    async setKill(s) {
      await redis.hset(k.kill, killKey(s.scope), JSON.stringify(s));
    },
    async liftKill(scopeKey) {
      return (await redis.hdel(k.kill, scopeKey)) > 0;
    },
    async kills() {
      return (await redis.hvals(k.kill)).map((t) => parse<KillSwitch>(t));
    },
    async putGrant(g) {
      await redis.hset(k.grants(g.agent), g.id, JSON.stringify(g));
    },
    async revokeGrant(agent, id) {
      return (await redis.hdel(k.grants(agent), id)) > 0;
    },
    async grants(agent) {
      return (await redis.hvals(k.grants(agent))).map((t) => parse<Grant>(t));
    },
    async addDeviation(agent) {
      return redis.hincrby(k.deviations, agent, 1);
    },
    async createAction(r) {
      const created = await redis.eval(CREATE, 1, k.action(r.id), retention, r.status, JSON.stringify(r));
      if (created !== 1) throw new Error(`action ${r.id} already exists`);
    },
    async action(id) {
      const t = await redis.hget(k.action(id), 'record');
      return t === null ? null : parse<ActionRecord>(t);
    },
    async transition(id, from: readonly ActionStatus[], next) {
      return (await redis.eval(TRANSITION, 2, k.action(id), k.approvals(id), retention, next.status, JSON.stringify(next), ...from)) === 1;
    },
    async addApproval(actionId, a) {
      const [added, all] = (await redis.eval(APPROVE, 2, k.approvals(actionId), k.action(actionId), a.approver, JSON.stringify(a), retention)) as [number, string[]];
      return { added: added === 1, approvals: all.map((t) => parse<Approval>(t)).sort((x, y) => x.at - y.at) };
    },
    async approvals(actionId) {
      return (await redis.hvals(k.approvals(actionId))).map((t) => parse<Approval>(t)).sort((x, y) => x.at - y.at);
    },
    async watchExecuted(actionId, executedAt) {
      await redis.zadd(k.executed, executedAt, actionId);
    },
    async unwatchExecuted(actionId) {
      await redis.zrem(k.executed, actionId);
    },
    async executedWatched() {
      return redis.zrange(k.executed, '0', '-1');
    },
    async recordOutcome(o: OutcomeRecord) {
      await redis.multi().lpush(k.outcomes(o.service, o.kind), JSON.stringify(o)).ltrim(k.outcomes(o.service, o.kind), 0, OUTCOMES_KEPT - 1).exec();
    },
    async outcomes(service, kind) {
      return (await redis.lrange(k.outcomes(service, kind), 0, -1)).map((t) => parse<OutcomeRecord>(t));
    },
    async close() {
      await redis.quit();
    },
  };
}
