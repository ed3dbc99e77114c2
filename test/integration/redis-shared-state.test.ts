import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, it } from 'vitest';
import { createRedisSharedState } from '../../src/control/shared-state/redis.js';
import { sharedStateSuite } from '../unit/control-shared-state.suite.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(): Promise<string | null> {
  const r = new Redis(url, { protocol: 3, replyMapping: 'legacy', lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
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

const why = await reachable();
if (why !== null) {
  console.warn(`skipping the Redis shared-state suite: Redis at ${url} is unreachable (${why})`);
  describe.skip(`shared state: Redis at ${url} (unreachable: ${why})`, () => it('needs Redis', () => undefined));
} else {
  const prefixes: string[] = [];
  sharedStateSuite(`Redis at ${url}`, async () => {
    // A fresh namespace per test, removed afterwards, so that runs never see each other's keys.
    const prefix = `ctxgraph-test:${randomUUID()}:`;
    prefixes.push(prefix);
    const state = await createRedisSharedState({ url, prefix });
    return {
      ...state,
      async close() {
        const r = new Redis(url, { protocol: 3, replyMapping: 'legacy' });
        const keys = await r.keys(`${prefix}*`);
        if (keys.length > 0) await r.del(...keys);
        await r.quit();
        await state.close();
      },
    };
  });
}
