/** Which dependencies count as new in the lookback window: those added after their caller existed. */
import { expect, it } from 'vitest';
import { gatherRootCauseSlice, resolveOptions } from '../../src/analysis/root-cause.js';
import { Scenario } from './root-cause-scenario.js';

it("counts a call added to a running service as new, not the calls a graph first loaded in the window came with", async () => {
  // The graph is loaded two days before the incident, inside the week's window; cache is wired to api 20 minutes before.
  const s = new Scenario().graph({ web: ['api'], api: ['db'] }, { db: 'database' }).graph({ cache: [] }, { cache: 'cache' }).dependency('api', 'cache', -20).alert('a1', 'web', 'errors', -5).incident('inc', ['web']);
  const g = await gatherRootCauseSlice(await s.store(), { incident: 'inc' }, resolveOptions());
  if (!g.ok) throw new Error(JSON.stringify(g.error));
  expect(g.slice.newDependencies.map((d) => `${d.from}->${d.to}`)).toEqual(['api->cache']);
});

it('dates a new dependency by when it appeared, not by its later updates', async () => {
  // api starts calling cache 20 minutes before; its rps is restated 5 minutes before.
  const s = new Scenario().graph({ web: ['api'], api: ['db'] }, { db: 'database' }).graph({ cache: [] }, { cache: 'cache' }).dependency('api', 'cache', -20).dependency('api', 'cache', -5, { rps: 40 }).alert('a1', 'web', 'errors', -3).incident('inc', ['web']);
  const g = await gatherRootCauseSlice(await s.store(), { incident: 'inc' }, resolveOptions());
  if (!g.ok) throw new Error(JSON.stringify(g.error));
  expect(g.slice.newDependencies).toEqual([{ from: 'api', to: 'cache', at: Date.parse('2026-04-10T11:40:00Z') }]);
});

it('counts only the new call, not the old calls of the service it leads to', async () => {
  // Everything was there ten days before (before the week's window) but api -> search, added 20
  // minutes before; search -> index is old, though the graph at the window's start led nowhere near it.
  const s = new Scenario().graph({ web: ['api'], api: ['db'], search: ['index'] }, {}, -1440 * 10).dependency('api', 'search', -20).alert('a1', 'web', 'errors', -5).incident('inc', ['web']);
  const g = await gatherRootCauseSlice(await s.store(), { incident: 'inc' }, resolveOptions());
  if (!g.ok) throw new Error(JSON.stringify(g.error));
  expect(g.slice.newDependencies).toEqual([{ from: 'api', to: 'search', at: Date.parse('2026-04-10T11:40:00Z') }]);
});
