/** The order of two failures along a hop, as evidence: never "after" when the caller failed first. */
import { expect, it } from 'vitest';
import { Scenario } from './root-cause-scenario.js';

it('says two failures were too close to order when the caller failed a minute before the callee', async () => {
  // db's own alert came a minute after api's: within the tolerance, so db may still be where it began.
  const a = await new Scenario().graph({ web: ['api'], api: ['db'] }, { db: 'database' }).alert('a-api', 'api', 'errors', -15).alert('a-db', 'db', 'saturation', -14).alert('a-web', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']).analyse();
  const lines = a.candidates.flatMap((c) => c.hops.flatMap((h) => h.evidence));
  expect(lines).toContain('api began failing at 2026-04-10T11:45:00.000Z, 1 min before db at 2026-04-10T11:46:00.000Z: too close to tell which came first');
  expect(lines.some((l) => /^api began failing at 2026-04-10T11:45:00.000Z, after db/.test(l))).toBe(false);
});

it('says a failure seen seconds before the change was too close to order, not "-0 min after" it', async () => {
  // db's alert fired 15 s before its deploy started: within the clocks' disagreement, the deploy stays a candidate.
  const a = await new Scenario().graph({ web: ['api'], api: ['db'] }, { db: 'database' }).deploy('d-db', 'db', -14).alert('a-db', 'db', 'errors', -14.25).alert('a-api', 'api', 'errors', -12, { dependency: 'db' }).incident('inc', ['web']).analyse();
  const lines = a.candidates.flatMap((c) => c.evidence);
  expect(lines).toContain('db began failing at 2026-04-10T11:45:45.000Z (errors alert a-db), under a minute before the change: too close to tell which came first');
  expect(lines.some((l) => /-\d+ min/.test(l))).toBe(false);
});
