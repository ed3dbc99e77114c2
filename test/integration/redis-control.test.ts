import { describe, it } from 'vitest';
import { controlServiceSuite } from '../unit/control-service.suite.js';
import { openTestRedisState, redisUnreachable, redisUrl } from './redis-available.js';

const why = await redisUnreachable();
if (why !== null) {
  console.warn(`skipping the control service over Redis: Redis at ${redisUrl} is unreachable (${why})`);
  describe.skip(`control service: Redis at ${redisUrl} (unreachable: ${why})`, () => it('needs Redis', () => undefined));
} else {
  controlServiceSuite(`Redis at ${redisUrl}`, openTestRedisState, { serverClock: true });
}
