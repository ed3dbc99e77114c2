import { describe, it } from 'vitest';
import { sharedStateSuite } from '../unit/control-shared-state.suite.js';
import { openTestRedisState, redisUnreachable, redisUrl } from './redis-available.js';

const why = await redisUnreachable();
if (why !== null) {
  console.warn(`skipping the Redis shared-state suite: Redis at ${redisUrl} is unreachable (${why})`);
  describe.skip(`shared state: Redis at ${redisUrl} (unreachable: ${why})`, () => it('needs Redis', () => undefined));
} else {
  sharedStateSuite(`Redis at ${redisUrl}`, openTestRedisState);
}
