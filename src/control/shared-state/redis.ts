/**
 * The Redis shared state: every ctxgraph instance on the same Redis sees the same rate limits, kill
 * switches, grants and actions in flight. Whatever must be atomic is one Lua script, so parallel
 * requests on several instances never overrun a limit or run an action twice.
 */
import { Redis } from 'ioredis';
import type { ActionKind, ActionRecord, ActionStatus, Approval, Grant, KillSwitch, OutcomeRecord } from '../action.js';
import { killKey } from '../action.js';
import { OUTCOMES_KEPT, type RateLimitHit, type SharedSnapshot, type SharedState } from '../shared-state.js';

/** Sliding-window log: drop what left the window, then admit only below the limit. */
const RATE_LIMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[3]) then return {0, n} end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, n + 1}`;

/** Compare-and-set on an action's status. ARGV: next status, next record, then the allowed current statuses. */
const TRANSITION = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return 0 end
for i = 3, #ARGV do
  if ARGV[i] == current then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'record', ARGV[2])
    return 1
  end
end
return 0`;

const CREATE = `
if redis.call('HSETNX', KEYS[1], 'status', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[2])
return 1`;

const APPROVE = `
local added = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
return {added, redis.call('HVALS', KEYS[1])}`;

/** Records written by this adapter only; what comes back is what it stored. */
const parse = <T>(text: string): T => JSON.parse(text) as T;

export interface RedisSharedStateOptions {
  url: string;
  /** Namespaces every key, so that tests and several deployments can share one Redis. */
  prefix?: string;
  connectTimeoutMs?: number;
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
  const k = {
    rate: (key: string) => `${p}rate:${key}`,
    kill: `${p}kill`,
    grants: (agent: string) => `${p}grants:${agent}`,
    deviations: `${p}deviations`,
    action: (id: string) => `${p}action:${id}`,
    approvals: (id: string) => `${p}approvals:${id}`,
    outcomes: (service: string, kind: ActionKind) => `${p}outcomes:${kind}:${service}`,
  };

  return {
    async snapshot(q): Promise<SharedSnapshot> {
      const res = await redis
        .multi()
        .hvals(k.kill)
        .hvals(k.grants(q.agent))
        .hget(k.deviations, q.agent)
        .zcount(k.rate(q.rateKey), `(${q.now - q.windowMs}`, '+inf')
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
      const [ok, n] = (await redis.eval(RATE_LIMIT, 1, k.rate(q.key), q.now, q.windowMs, q.limit, q.member)) as [number, number];
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
      const created = await redis.eval(CREATE, 1, k.action(r.id), r.status, JSON.stringify(r));
      if (created !== 1) throw new Error(`action ${r.id} already exists`);
    },
    async action(id) {
      const t = await redis.hget(k.action(id), 'record');
      return t === null ? null : parse<ActionRecord>(t);
    },
    async transition(id, from: readonly ActionStatus[], next) {
      return (await redis.eval(TRANSITION, 1, k.action(id), next.status, JSON.stringify(next), ...from)) === 1;
    },
    async addApproval(actionId, a) {
      const [added, all] = (await redis.eval(APPROVE, 1, k.approvals(actionId), a.approver, JSON.stringify(a))) as [number, string[]];
      return { added: added === 1, approvals: all.map((t) => parse<Approval>(t)).sort((x, y) => x.at - y.at) };
    },
    async approvals(actionId) {
      return (await redis.hvals(k.approvals(actionId))).map((t) => parse<Approval>(t)).sort((x, y) => x.at - y.at);
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
