/** Where the Redis for integration tests is, whether it answers, and a state factory that cleans up after itself. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { SharedState } from '../../src/control/shared-state.js';
import { createRedisSharedState } from '../../src/control/shared-state/redis.js';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Null when Redis answers; otherwise why not. */
export async function redisUnreachable(): Promise<string | null> {
  const r = new Redis(redisUrl, { protocol: 3, replyMapping: 'legacy', lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    r.disconnect();
  }
}

/** A fresh key namespace per state, deleted on close, so that runs never see each other's keys. */
export async function openTestRedisState(): Promise<SharedState> {
  const prefix = `ctxgraph-test:${randomUUID()}:`;
  const state = await createRedisSharedState({ url: redisUrl, prefix });
  return {
    ...state,
    async close() {
      const r = new Redis(redisUrl, { protocol: 3, replyMapping: 'legacy' });
      const keys = await r.keys(`${prefix}*`);
      if (keys.length > 0) await r.del(...keys);
      await r.quit();
      await state.close();
    },
  };
}
