/**
 * What only the Redis adapter does: actions and approvals expire after their retention, and the rate
 * limit keeps time by Redis' clock, so instances whose clocks disagree still share one window.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SharedState } from '../../src/control/shared-state.js';
import { createRedisSharedState } from '../../src/control/shared-state/redis.js';
import { actionRecord } from '../unit/control-shared-state.suite.js';
import { redisUnreachable, redisUrl } from './redis-available.js';

const why = await redisUnreachable();
if (why !== null) console.warn(`skipping the Redis retention tests: Redis at ${redisUrl} is unreachable (${why})`);


describe.skipIf(why !== null)(`Redis shared state at ${redisUrl}: retention and server time`, () => {
  const prefix = `ctxgraph-test:${randomUUID()}:`;
  const retentionMs = 120_000;
  let s: SharedState;
  let raw: Redis;

  beforeAll(async () => {
    s = await createRedisSharedState({ url: redisUrl, prefix, retentionMs });
    raw = new Redis(redisUrl, { protocol: 3, replyMapping: 'legacy' });
  });
  afterAll(async () => {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
    await s.close();
  });

  it('gives actions and their approvals a time to live, renewed when the action moves', async () => {
    await s.createAction(actionRecord('a1', 'PENDING_APPROVAL'));
    const created = await raw.pttl(`${prefix}action:a1`);
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThanOrEqual(retentionMs);
    await s.addApproval('a1', { approver: 'ann', role: 'human', at: 1, note: null });
    const approvals = await raw.pttl(`${prefix}approvals:a1`);
    expect(approvals).toBeGreaterThan(0);
    expect(approvals).toBeLessThanOrEqual(retentionMs);
    // Shorten both by hand: a move gives them the whole retention again.
    await raw.pexpire(`${prefix}action:a1`, 5_000);
    await raw.pexpire(`${prefix}approvals:a1`, 5_000);
    expect(await s.transition('a1', ['PENDING_APPROVAL'], actionRecord('a1', 'ALLOWED'))).toBe(true);
    expect(await raw.pttl(`${prefix}action:a1`)).toBeGreaterThan(5_000);
    expect(await raw.pttl(`${prefix}approvals:a1`)).toBeGreaterThan(5_000);
  });

  it("keeps the rate-limit window by Redis' clock, whatever the caller's clock says", async () => {
    const day = 86_400_000;
    // A caller a day behind, then one on time: by their own clocks the first hit left the window.
    expect((await s.hitRateLimit({ key: 'svc:api', limit: 1, windowMs: 60_000, now: Date.now() - day, member: 'behind' })).allowed).toBe(true);
    expect(await s.hitRateLimit({ key: 'svc:api', limit: 1, windowMs: 60_000, now: Date.now(), member: 'on-time' })).toEqual({ allowed: false, count: 1 });
    expect((await s.snapshot({ agent: 'x', rateKey: 'svc:api', windowMs: 60_000, now: Date.now() + day })).recentActions).toBe(1);
  });
});
