import { describe, expect, it } from 'vitest';
import { rootCause, type RootCauseAnalysis } from '../../src/analysis/root-cause.js';
import { causes, chainIds, Scenario, T } from './root-cause-scenario.js';

const MIN = 60_000;
const iso = (min: number): string => new Date(T + min * MIN).toISOString();

/** web -> api -> db, and web -> search; api's failure shows in web. */
const shop = (): Scenario => new Scenario().graph({ web: ['api', 'search'], api: ['db'] }, { db: 'database' });

describe('root cause: candidates', () => {
  it('names a deploy that broke its service, with the chain up to the symptom and timed evidence', async () => {
    const a = await shop().deploy('d1', 'api', -20).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']).analyse();
    expect(causes(a)[0]).toBe('deploy:d1');
    expect(a.candidates[0]?.service).toBe('api');
    expect(chainIds(a)).toEqual(['deploy:d1', 'service:api', 'service:web']);
    expect(a.candidates[0]?.evidence.some((l) => l.includes('deploy d1 of api') && l.includes('2026-04-10T11:40:00.000Z'))).toBe(true);
    expect(a.candidates[0]?.evidence.some((l) => l.includes('web reported failing calls to api'))).toBe(true);
  });

  it('leaves out of the episode an alert that fired and resolved before the symptom began (a flap), and one older than the episode', async () => {
    const a = await shop()
      .alert('old', 'search', 'errors', -4 * 60)
      .alert('flap', 'db', 'errors', -60)
      .resolve('flap', -50)
      .deploy('d1', 'api', -25)
      .alert('a1', 'api', 'errors', -20)
      .alert('a2', 'web', 'errors', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(a.failing.map((f) => f.service)).toEqual(['api', 'web']);
    expect(causes(a)[0]).toBe('deploy:d1');
  });

  it('says what was failing in the episode, earliest first, and nothing when no alert corroborates the symptom', async () => {
    const a = await shop().deploy('d1', 'api', -20).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']).analyse();
    expect(a.failing).toEqual([
      { service: 'api', since: T - 15 * MIN, signals: ['errors'], reportedBy: ['web'] },
      { service: 'web', since: T - 12 * MIN, signals: ['errors'], reportedBy: [] },
    ]);
    const quiet = await shop().deploy('d1', 'api', -20).incident('inc', ['web']).analyse();
    expect(quiet.failing).toEqual([]);
    // The deploy may still be named, but its evidence says no failure followed it.
    expect(quiet.candidates[0]?.evidence).toContain(`no failure on api between the change and ${new Date(T).toISOString()} (no alert of it failing, no caller reporting failing calls to it)`);
  });

  it('gives the evidence for every hop of the chain: the change taking effect, then each failure climbing a call', async () => {
    const a = await shop().deploy('d1', 'api', -20).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']).analyse();
    expect(a.candidates[0]?.hops).toEqual([
      {
        cause: { kind: 'deploy', id: 'd1' },
        effect: { kind: 'service', id: 'api' },
        evidence: [`deploy d1 of api (d1-v1 -> d1-v2) started at ${iso(-20)}, in_progress`, `api began failing at ${iso(-15)} (errors alert a1), 5 min after the change`],
      },
      {
        cause: { kind: 'service', id: 'api' },
        effect: { kind: 'service', id: 'web' },
        evidence: [`dependency path valid at ${iso(0)}: web -> api`, `web began failing at ${iso(-12)}, after api at ${iso(-15)}`, `web reported failing calls to api from ${iso(-12)}`],
      },
    ]);
  });

  it('runs the chain to the first symptom service even when the cause lives in another symptom service', async () => {
    const a = await shop().deploy('d1', 'api', -20).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web', 'api']).analyse();
    expect(causes(a)[0]).toBe('deploy:d1');
    expect(chainIds(a)).toEqual(['deploy:d1', 'service:api', 'service:web']);
  });

  it('names a config change that governs a dependency when the service reports failing calls to it', async () => {
    const a = await shop()
      .config('c1', 'api', -25, { dependency: 'db' })
      .alert('a1', 'api', 'errors', -15, { dependency: 'db' })
      .alert('a2', 'web', 'errors', -12, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('config:c1');
    expect(chainIds(a)).toEqual(['config:c1', 'service:api', 'service:web']);
  });

  it('prefers a config shared by several failing consumers over a deploy on one of them', async () => {
    const a = await new Scenario()
      .graph({ web: ['api', 'cart'], api: ['db'] })
      .config('c1', 'api', -30, { services: ['cart'] })
      .deploy('d1', 'cart', -29)
      .alert('a1', 'api', 'errors', -20)
      .alert('a2', 'cart', 'errors', -20)
      .alert('a3', 'web', 'errors', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('config:c1');
    expect(a.candidates[0]?.evidence.some((l) => l.includes('shared with cart'))).toBe(true);
  });

  it('between two callees that began failing together with nothing else to tell them apart, names the database first', async () => {
    // api calls auth (a plain service) and store (a database); both fail in the same minute, nothing changed.
    const a = await new Scenario()
      .graph({ web: ['api'], api: ['auth', 'store'] }, { store: 'database' })
      .alert('s1', 'store', 'errors', -20)
      .alert('s2', 'auth', 'errors', -20)
      .alert('a2', 'api', 'errors', -15)
      .alert('a3', 'web', 'errors', -12, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a).slice(0, 2)).toEqual(['service:store', 'service:auth']);
  });

  it('ranks a service seen failing only in its own reports of a failing callee below that callee', async () => {
    // db has failed for hours; api's only alert says its calls to db fail. api's own story (it
    // failed by itself) is the weaker one: it points below itself.
    const a = await new Scenario()
      .graph({ web: ['api'], api: ['db'] }, { db: 'database' })
      .alert('a1', 'db', 'errors', -150)
      .deploy('d1', 'api', -25)
      .alert('a2', 'api', 'errors', -20, { dependency: 'db' })
      .alert('a3', 'web', 'errors', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a).slice(0, 3)).toEqual(['deploy:d1', 'service:db', 'service:api']);
    expect(a.candidates.find((c) => c.cause.id === 'api')?.evidence).toContain('api reported failing calls to db from 2026-04-10T11:40:00.000Z');
  });

  it('counts each callee that failed in the same step against a service: the more of them, the less likely it began there', async () => {
    // zeta failed with one callee, alpha with two, all in the same minute and nothing changed.
    const a = await new Scenario()
      .graph({ web: ['zeta', 'alpha'], zeta: ['a'], alpha: ['b', 'c'] })
      .alert('za', 'zeta', 'errors', -20)
      .alert('aa', 'alpha', 'errors', -20)
      .alert('x1', 'a', 'errors', -20)
      .alert('x2', 'b', 'errors', -20)
      .alert('x3', 'c', 'errors', -20)
      .alert('w', 'web', 'errors', -15)
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a).slice(3, 5)).toEqual(['service:zeta', 'service:alpha']);
    expect(a.candidates.find((c) => c.cause.id === 'alpha')?.evidence.filter((l) => l.includes('within the evidence\'s resolution of alpha'))).toHaveLength(2);
  });

  it('ranks a change on a service that shows no failure last, below the failing services\' own stories', async () => {
    // search was deployed just before, but nothing shows search failing; api failed, and web says so.
    const a = await new Scenario()
      .graph({ web: ['api', 'search'], api: ['db'] }, { db: 'database' })
      .deploy('d1', 'search', -25)
      .alert('a1', 'api', 'errors', -20)
      .alert('w', 'web', 'errors', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)).toEqual(['service:api', 'service:web', 'deploy:d1']);
  });

  it('ranks a deploy that sat two hours with nothing to wake it below the failure it would explain', async () => {
    const a = await new Scenario()
      .graph({ web: ['api'], api: ['db'] }, { db: 'database' })
      .deploy('d1', 'api', -120)
      .alert('a1', 'api', 'errors', -20)
      .alert('w', 'web', 'errors', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a).slice(0, 2)).toEqual(['service:api', 'deploy:d1']);
    expect(a.candidates[1]?.evidence.some((l) => l.startsWith('the change sat 100 min'))).toBe(true);
  });

  it('names a service that saturated with no change behind it', async () => {
    const a = await shop()
      .deploy('d-old', 'search', -3000)
      .alert('t1', 'web', 'traffic', -30)
      .alert('a1', 'db', 'saturation', -20)
      .alert('a2', 'api', 'latency', -18, { dependency: 'db' })
      .alert('a3', 'web', 'latency', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:db');
    expect(chainIds(a)).toEqual(['service:db', 'service:api', 'service:web']);
    expect(a.candidates[0]?.evidence.some((l) => l.startsWith('no deploy or config change on db'))).toBe(true);
  });

  it('blames the deploy that introduced a new dependency, not the dependency that then struggled', async () => {
    const a = await new Scenario()
      .graph({ web: ['api'], api: ['db'], batch: ['reports'] })
      .deploy('d1', 'api', -30)
      .dependency('api', 'reports', -30)
      .alert('a1', 'reports', 'saturation', -25)
      .alert('a2', 'api', 'errors', -24, { dependency: 'reports' })
      .alert('a3', 'web', 'errors', -22, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('deploy:d1');
    expect(chainIds(a)).toEqual(['deploy:d1', 'service:api', 'service:web']);
  });

  it('blames the deploy whose new call saturated a store, even when the store\'s older callers all blame it too', async () => {
    // reports, a database, saturates and three callers report it (two of them old): alone, the
    // likeliest story would start there. api began calling it with d1, five minutes before.
    const a = await new Scenario()
      .graph({ web: ['api', 'api2', 'api3'], api: ['db'], api2: ['reports'], api3: ['reports'] }, { reports: 'database', db: 'database' })
      .deploy('d1', 'api', -30)
      .dependency('api', 'reports', -30)
      .alert('a1', 'reports', 'saturation', -25)
      .alert('a2', 'api', 'errors', -24, { dependency: 'reports' })
      .alert('b2', 'api2', 'errors', -24, { dependency: 'reports' })
      .alert('c2', 'api3', 'errors', -24, { dependency: 'reports' })
      .alert('a3', 'web', 'errors', -22, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a).slice(0, 2)).toEqual(['deploy:d1', 'service:reports']);
    expect(a.candidates[0]?.evidence.some((l) => l.startsWith('api began calling reports at'))).toBe(true);
  });

  it('credits the deploy that introduced a new dependency, not an earlier deploy of the same service', async () => {
    const a = await new Scenario()
      .graph({ web: ['api'], api: ['db'], batch: ['reports'] })
      .deploy('d-early', 'api', -50)
      .deploy('d-late', 'api', -30)
      .dependency('api', 'reports', -29)
      .alert('a1', 'reports', 'saturation', -25)
      .alert('a2', 'api', 'errors', -24, { dependency: 'reports' })
      .alert('a3', 'web', 'errors', -22, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('deploy:d-late');
    expect(a.candidates.find((c) => c.cause.id === 'd-early')?.evidence.some((l) => l.includes('began calling reports'))).toBe(false);
  });

  it('counts failing calls to the service a setting lives in, also when it governs a dependency', async () => {
    // Two old settings on api, both woken by the surge; callers blame api itself, not db.
    const a = await shop()
      .config('c-old', 'api', -20 * 60)
      .config('c-dep', 'api', -6 * 60, { dependency: 'db' })
      .alert('t1', 'web', 'traffic', -25)
      .alert('a1', 'api', 'errors', -15)
      .alert('a2', 'web', 'errors', -12, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('config:c-dep');
    expect(a.candidates[0]?.evidence.some((l) => l.startsWith('web reported failing calls to api'))).toBe(true);
  });
});

describe('root cause: constraints', () => {
  const below = (a: RootCauseAnalysis, id: string): string[] => (a.candidates.find((c) => c.cause.id === id)?.evidence ?? []).filter((l) => l.includes(', below '));

  it('looks for earlier failures below only through what a service says it fails to call', async () => {
    // api says its calls to db fail; cache, which api also calls, failed earlier but api never named it.
    const a = await new Scenario()
      .graph({ web: ['api'], api: ['db', 'cache'] }, { db: 'database', cache: 'cache' })
      .deploy('d1', 'api', -25)
      .alert('c', 'cache', 'errors', -22)
      .alert('e', 'api', 'errors', -20, { dependency: 'db' })
      .alert('s', 'db', 'errors', -20)
      .alert('w', 'web', 'errors', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(below(a, 'd1')).toEqual(['db, below api, was already failing at 2026-04-10T11:40:00.000Z: this cause does not explain it']);
  });

  it('does not take a caller\'s report of saturated calls to a callee for the caller saturating by itself', async () => {
    // api's pool to db is saturated (a client-side alert naming db): api points below itself.
    const a = await new Scenario()
      .graph({ web: ['api'], api: ['db'] }, { db: 'database' })
      .alert('p', 'api', 'saturation', -20, { dependency: 'db' })
      .alert('s', 'db', 'errors', -20)
      .alert('w', 'web', 'errors', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:db');
    expect(a.candidates.find((c) => c.cause.id === 'api')?.evidence).toContain('api reported failing calls to db from 2026-04-10T11:40:00.000Z');
  });

  it('does not look below a service that failed by itself and names no callee: it is a source, not a victim', async () => {
    // db saturated on its own signal; disk under it failed first, but db says nothing of its calls.
    const a = await new Scenario()
      .graph({ web: ['api'], api: ['db'], db: ['disk'] }, { db: 'database' })
      .deploy('d1', 'api', -25)
      .alert('dk', 'disk', 'errors', -24)
      .alert('s', 'db', 'saturation', -22)
      .alert('e', 'api', 'errors', -20)
      .alert('w', 'web', 'errors', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(below(a, 'd1')).toEqual(['db, below api, was already failing at 2026-04-10T11:38:00.000Z: this cause does not explain it']);
    expect(below(a, 'db')).toEqual([]);
  });

  it('drops a candidate that no dependency valid at the time links to the symptom', async () => {
    const a = await shop()
      .removeDependency('web', 'search', -600)
      .deploy('d1', 'search', -20)
      .alert('a1', 'search', 'errors', -15)
      .alert('a2', 'web', 'errors', -10)
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)).not.toContain('deploy:d1');
    expect(causes(a)).not.toContain('service:search');
  });

  it('does not let a failure that began after the symptom explain it', async () => {
    const a = await shop().alert('a1', 'web', 'errors', -20).alert('a2', 'api', 'saturation', -10).incident('inc', ['web']).analyse();
    expect(causes(a)).not.toContain('service:api');
    expect(a.symptomStart).toBe(T - 20 * 60_000);
  });

  it('does not let a change explain a failure seen before it, beyond the clocks\' disagreement', async () => {
    // An alert fires after the failure it reports: db was failing a minute before its deploy started.
    // (Alert times off the minute grid: on a grid, the order of times within a step is not read.)
    const a = await shop().deploy('d1', 'db', -14).alert('a1', 'db', 'errors', -15.0005).alert('a2', 'api', 'errors', -12, { dependency: 'db' }).alert('a3', 'web', 'errors', -11, { dependency: 'api' }).incident('inc', ['web']).analyse();
    expect(causes(a)[0]).toBe('service:db');
    // Seen 15 s before it, the order is within the clocks' disagreement (30 s): the deploy leads.
    const close = await shop().deploy('d1', 'db', -14).alert('a1', 'db', 'errors', -14.2505).alert('a2', 'api', 'errors', -12, { dependency: 'db' }).alert('a3', 'web', 'errors', -11, { dependency: 'api' }).incident('inc', ['web']).analyse();
    expect(causes(close)[0]).toBe('deploy:d1');
  });

  it('lets a rolled-back deploy explain nothing after its rollback', async () => {
    const base = (): Scenario => shop().deploy('d1', 'api', -120).alert('a1', 'api', 'saturation', -20).alert('a2', 'web', 'errors', -15, { dependency: 'api' }).incident('inc', ['web']);
    const kept = await base().analyse();
    expect(causes(kept)).toContain('deploy:d1');
    const rolledBack = await base().rollback('d1', -90).analyse();
    expect(causes(rolledBack)).not.toContain('deploy:d1');
    expect(causes(rolledBack)[0]).toBe('service:api');
    // The answer says it saw the deploy and why it cannot be the cause.
    expect(rolledBack.ruledOut).toEqual([
      {
        cause: { kind: 'deploy', id: 'd1' },
        service: 'api',
        at: T - 120 * MIN,
        reason: `deploy d1 of api was rolled back at ${iso(-90)}, before api began failing at ${iso(-20)}: a rolled-back deploy explains nothing after its rollback`,
      },
    ]);
    expect(kept.ruledOut).toEqual([]);
  });

  it('rules out a change made after the first symptom began, and says so', async () => {
    const a = await shop().alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).deploy('d-fix', 'api', -5).incident('inc', ['web']).analyse();
    expect(causes(a)).not.toContain('deploy:d-fix');
    expect(a.ruledOut.map((r) => [r.cause.id, r.reason])).toEqual([
      ['d-fix', `deploy d-fix of api at ${iso(-5)} came after the first symptom began at ${iso(-12)}: an effect cannot come before its cause`],
    ]);
  });

  it('lets a setting overwritten before the failure explain nothing: its value was no longer in force', async () => {
    const base = (): Scenario => shop().config('c1', 'api', -240).alert('t1', 'web', 'traffic', -25).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    expect(causes(await base().analyse())[0]).toBe('config:c1');
    // The same key set again two hours later: that value, not c1's, was live when api failed.
    const over = await base().config('c2', 'api', -120).analyse();
    expect(causes(over)).not.toContain('config:c1');
    expect(causes(over)[0]).toBe('config:c2');
    expect(over.ruledOut.map((r) => r.cause.id)).toEqual(['c1']);
    expect(over.ruledOut[0]?.reason).toContain(`was superseded by c2 at ${iso(-120)}, before the failure began at ${iso(-15)}`);
    // Another key of the same service does not overwrite it.
    const other = await base().config('c3', 'api', -120, { key: 'retry.budget' }).analyse();
    expect(causes(other)).toContain('config:c1');
  });

  it('weighs a change that sat for days as weak, unless a traffic surge arrived before the failure', async () => {
    const base = (): Scenario =>
      shop().config('c1', 'api', -2 * 1440).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    const quiet = await base().analyse();
    const surged = await base().alert('t1', 'web', 'traffic', -25).analyse();
    const conf = (a: typeof quiet): number => a.candidates.find((c) => c.cause.id === 'c1')?.confidence ?? 0;
    expect(causes(surged)[0]).toBe('config:c1');
    expect(surged.candidates[0]?.evidence.some((l) => l.startsWith('traffic surge alert t1 on web'))).toBe(true);
    expect(conf(quiet)).toBeLessThan(conf(surged));
    expect(quiet.candidates.find((c) => c.cause.id === 'c1')?.evidence.some((l) => l.startsWith('the change sat'))).toBe(true);
  });

  it('lets a surge above the symptom wake an old change: load entering at the edge flows down its calls', async () => {
    // `edge` calls web, the symptom; it shows only a traffic surge, and is not part of the incident.
    const base = (): Scenario =>
      new Scenario().graph({ edge: ['web'], web: ['api', 'search'], api: ['db'] }, { db: 'database' }).config('c1', 'api', -2 * 1440).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    const quiet = await base().analyse();
    const surged = await base().alert('t-edge', 'edge', 'traffic', -25).analyse();
    const c1 = (a: typeof quiet) => a.candidates.find((c) => c.cause.id === 'c1');
    expect(c1(surged)?.evidence.some((l) => l.startsWith('traffic surge alert t-edge on edge'))).toBe(true);
    expect(c1(quiet)?.evidence.some((l) => l.startsWith('the change sat'))).toBe(true);
    expect(causes(surged)[0]).toBe('config:c1');
    // A failure above the symptom is no cause: only its surges are read.
    const failingAbove = await base().alert('e-edge', 'edge', 'errors', -30).analyse();
    expect(causes(failingAbove)).not.toContain('service:edge');
  });

  it('lets a surge wake an old change only when the failure follows the surge within minutes', async () => {
    const base = (surgeAt: number): Scenario =>
      shop().config('c1', 'api', -2 * 1440).alert('t1', 'web', 'traffic', surgeAt).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    const soon = await base(-25).analyse();
    const longBefore = await base(-120).analyse();
    const c1 = (a: typeof soon) => a.candidates.find((c) => c.cause.id === 'c1');
    expect(c1(soon)?.evidence.some((l) => l.startsWith('traffic surge alert t1'))).toBe(true);
    expect(c1(longBefore)?.evidence.some((l) => l.startsWith('the change sat'))).toBe(true);
    expect(c1(longBefore)?.confidence ?? 0).toBeLessThan(c1(soon)?.confidence ?? 0);
  });

  it('names a failing dependency above an old change on its caller that governs it, when no surge woke the change', async () => {
    const a = await shop()
      .config('c1', 'api', -3 * 1440, { dependency: 'db' })
      .deploy('d-db', 'db', -4 * 1440)
      .alert('t1', 'web', 'traffic', -90)
      .alert('a1', 'api', 'errors', -15, { dependency: 'db' })
      .alert('a2', 'web', 'errors', -12, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:db');
    expect(chainIds(a)).toEqual(['service:db', 'service:api', 'service:web']);
    // The four-day-old deploy of db is there: the evidence names it and why it does not count.
    expect(a.candidates[0]?.evidence.find((l) => l.startsWith('no deploy or config change on db'))).toMatch(/stands behind its failure at .*: deploy d-db at .*, 95\.8 h before it, with no traffic surge reaching it in the 33 min before the failure to wake it$/);
  });

  it('does not climb a hop whose caller reports failing calls to another service', async () => {
    // search broke after its deploy, but web says its calls to api fail, not those to search.
    const a = await shop()
      .deploy('d1', 'search', -40)
      .alert('a0', 'search', 'latency', -38)
      .alert('a1', 'db', 'availability', -20)
      .alert('a2', 'api', 'errors', -18, { dependency: 'db' })
      .alert('a3', 'web', 'errors', -15, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:db');
  });

  it('does not link a caller that began failing long after its callee', async () => {
    // search's failure never reached web for an hour; api's reached it in two minutes.
    const a = await shop()
      .deploy('d1', 'search', -80)
      .alert('a0', 'search', 'latency', -78)
      .deploy('d2', 'api', -20)
      .alert('a1', 'api', 'errors', -15)
      .alert('a2', 'web', 'errors', -13)
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('deploy:d2');
  });

  it('does not blame an innocent deploy above a service that was already failing', async () => {
    const a = await shop()
      .alert('a1', 'db', 'availability', -30)
      .deploy('d1', 'api', -28)
      .alert('a2', 'api', 'errors', -27, { dependency: 'db' })
      .alert('a3', 'web', 'errors', -25, { dependency: 'api' })
      .incident('inc', ['web'])
      .analyse();
    expect(causes(a)[0]).toBe('service:db');
  });
});

describe('root cause: memory of past postmortems', () => {
  // Two deploys, equally plausible: only a verdict from a past postmortem tells them apart.
  const twin = (): Scenario =>
    new Scenario()
      .graph({ web: ['api', 'cart'] })
      .deploy('d-api', 'api', -20)
      .deploy('d-cart', 'cart', -20)
      .alert('a1', 'api', 'errors', -15)
      .alert('a2', 'cart', 'errors', -15)
      .alert('a3', 'web', 'errors', -10)
      .incident('inc', ['web']);

  it('strengthens a chain that a confirmed link matches', async () => {
    const plain = await twin().analyse();
    const confirmed = await twin().link('confirmed', { kind: 'service', id: 'cart' }, { kind: 'service', id: 'web' }, -5000).analyse();
    expect(causes(plain)[0]).toBe('deploy:d-api');
    expect(causes(confirmed)[0]).toBe('deploy:d-cart');
    expect(confirmed.candidates[0]?.evidence.some((l) => l.startsWith('confirmed earlier: service:cart caused service:web'))).toBe(true);
    // The verdict is evidence for the very hop it judged.
    const hop = confirmed.candidates[0]?.hops.find((h) => h.cause.id === 'cart' && h.effect.id === 'web');
    expect(hop?.evidence.some((l) => l.startsWith('confirmed earlier: service:cart caused service:web'))).toBe(true);
  });

  it('weakens a chain that a rejected link matches', async () => {
    const rejected = await twin().link('rejected', { kind: 'deploy', id: 'd-api' }, { kind: 'service', id: 'web' }, -5).analyse();
    const plain = await twin().analyse();
    const conf = (a: typeof plain): number => a.candidates.find((c) => c.cause.id === 'd-api')?.confidence ?? 0;
    expect(causes(rejected)[0]).toBe('deploy:d-cart');
    expect(conf(rejected)).toBeLessThan(conf(plain));
  });
});

describe('root cause: the query', () => {
  const broken = (): Scenario => shop().deploy('d1', 'api', -20).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' });

  it('answers an ad-hoc question from services and a time, before any incident exists', async () => {
    const store = await broken().store();
    const r = await rootCause(store, { services: ['web'], at: T });
    expect(r.ok && r.analysis.incident).toBe(null);
    expect(r.ok && r.analysis.candidates[0]?.cause).toEqual({ kind: 'deploy', id: 'd1' });
  });

  it('gives the same answer whatever order the events arrived in', async () => {
    const s = broken().incident('inc', ['web']);
    const a = await rootCause(await s.store(), { incident: 'inc' });
    const b = await rootCause(await s.store([...s.events].reverse()), { incident: 'inc' });
    expect(a).toEqual(b);
  });

  it('returns typed errors for an unknown incident or unknown services', async () => {
    const store = await broken().store();
    expect(await rootCause(store, { incident: 'nope' })).toEqual({ ok: false, error: { kind: 'unknown-incident', incident: 'nope' } });
    expect(await rootCause(store, { services: ['ghost'], at: T })).toEqual({ ok: false, error: { kind: 'unknown-services', services: ['ghost'] } });
    // One unknown among known ones is an error too, naming it: not a question about the others alone.
    expect(await rootCause(store, { services: ['web', 'ghost'], at: T })).toEqual({ ok: false, error: { kind: 'unknown-services', services: ['ghost'] } });
  });

  it('confidences lie in 0..1, fall with rank, and ranks count from 1', async () => {
    const a = await broken().incident('inc', ['web']).analyse();
    expect(a.candidates.map((c) => c.rank)).toEqual(a.candidates.map((_, i) => i + 1));
    for (let i = 0; i < a.candidates.length; i++) {
      const c = a.candidates[i]!;
      expect(c.confidence).toBeGreaterThan(0);
      expect(c.confidence).toBeLessThanOrEqual(1);
      if (i > 0) expect(c.confidence).toBeLessThanOrEqual(a.candidates[i - 1]!.confidence);
    }
  });
});

describe('root cause: load that arrives at a service', () => {
  /** web -> api -> db; api and db fail in the same minute; `surge` puts a traffic surge on api itself just before. */
  const loaded = (surge: boolean): Scenario => {
    const s = shop();
    if (surge) s.alert('t-api', 'api', 'traffic', -18);
    return s.alert('l-db', 'db', 'latency', -15).alert('l-api', 'api', 'latency', -15).alert('e-web', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
  };

  it('puts the database first when api and db began failing in the same minute and nothing else orders them', async () => {
    expect(causes(await loaded(false).analyse())[0]).toBe('service:db');
  });

  it('puts api first when its own traffic surged as it failed: db took that load from it, and the evidence says so', async () => {
    const a = await loaded(true).analyse();
    expect(causes(a)[0]).toBe('service:api');
    expect(a.candidates[0]?.evidence.some((l) => l.startsWith('traffic surge alert t-api on api itself') && l.endsWith('db, failing from the same step, took that load from it'))).toBe(true);
  });
});
