/** Each candidate's remedy: the action that undoes its cause, in the fields proposeAction takes. */
import { describe, expect, it } from 'vitest';
import { checkRemedies, rootCause } from '../../src/analysis/root-cause.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { Scenario, T } from './root-cause-scenario.js';

/** web -> api -> db, and web -> search; api also calls a payment gateway outside. */
const shop = (): Scenario => new Scenario().graph({ web: ['api', 'search'], api: ['db', 'gateway'] }, { db: 'database', gateway: 'external' });
const remedyOf = async (s: Scenario, cause: string) => (await s.analyse()).candidates.find((c) => `${c.cause.kind}:${c.cause.id}` === cause)?.remedy;

describe('root cause: remedies', () => {
  it('rolls a deploy back to the version before it', async () => {
    const s = shop().deploy('d1', 'api', -20).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    expect(await remedyOf(s, 'deploy:d1')).toEqual({ kind: 'ROLLBACK', service: 'api', parameters: { deploy: 'd1', toVersion: 'd1-v1' }, services: [], dependency: null, why: 'roll back deploy d1 (d1-v2) to d1-v1', done: null });
  });

  it("sets a setting back to its value before the change, with the change's scope", async () => {
    const s = shop()
      .config('c1', 'api', -20, { dependency: 'db', services: ['search'] })
      .alert('a1', 'api', 'errors', -15)
      .alert('a2', 'web', 'errors', -12, { dependency: 'api' })
      .incident('inc', ['web']);
    expect(await remedyOf(s, 'config:c1')).toEqual({
      kind: 'CONFIG_CHANGE',
      service: 'api',
      parameters: { key: 'client.timeoutMs', value: 1000 },
      services: ['search'],
      dependency: 'db',
      why: 'set client.timeoutMs on api back to 1000, its value before c1',
      done: null,
    });
    const unknown = shop().config('c2', 'api', -20, { previousValue: undefined }).alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    expect(await remedyOf(unknown, 'config:c2')).toMatchObject({ parameters: { key: 'client.timeoutMs' }, why: 'undo c2 on client.timeoutMs; the value before it is not recorded' });
  });

  it('scales a service that saturated with no change behind it, restarts one that failed otherwise, and leaves an external one alone', async () => {
    const saturated = shop().alert('a1', 'db', 'saturation', -15).alert('a2', 'api', 'errors', -13, { dependency: 'db' }).alert('a3', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    expect(await remedyOf(saturated, 'service:db')).toMatchObject({ kind: 'SCALE', service: 'db', parameters: {} });
    const crashed = shop().alert('a1', 'db', 'errors', -15).alert('a2', 'api', 'errors', -13, { dependency: 'db' }).alert('a3', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    expect(await remedyOf(crashed, 'service:db')).toMatchObject({ kind: 'RESTART', service: 'db' });
    const outside = shop().alert('a2', 'api', 'errors', -13, { dependency: 'gateway' }).alert('a3', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    const a = await outside.analyse();
    expect(a.candidates[0]?.cause).toEqual({ kind: 'service', id: 'gateway' });
    expect(a.candidates[0]?.remedy).toBeNull();
  });

  it("does not say a service failed with no change behind it when a change of it stands behind its failure", async () => {
    const behind = shop().deploy('d1', 'db', -20).alert('a1', 'db', 'saturation', -15).alert('a2', 'api', 'errors', -13, { dependency: 'db' }).alert('a3', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    expect(await remedyOf(behind, 'service:db')).toMatchObject({ kind: 'SCALE', why: 'add capacity to db: it saturated, though a recorded change stands behind that (see the change among the causes)' });
    const none = shop().alert('a1', 'db', 'saturation', -15).alert('a2', 'api', 'errors', -13, { dependency: 'db' }).alert('a3', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    expect(await remedyOf(none, 'service:db')).toMatchObject({ why: 'add capacity to db: it saturated with no change behind it' });
  });

  it('says a remedy is done when, since the incident began, the deploy was rolled back or the setting set again', async () => {
    const MIN = 60_000;
    const broken = (s: Scenario): Scenario => s.alert('a1', 'api', 'errors', -15).alert('a2', 'web', 'errors', -12, { dependency: 'api' }).incident('inc', ['web']);
    const remedyAt = async (s: Scenario, min: number) => {
      const store = await s.store();
      const r = await rootCause(store, { incident: 'inc' });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return (await checkRemedies(store, r.analysis, { at: T + min * MIN, knownAt: END_OF_TIME })).candidates[0]?.remedy;
    };
    const rolledBack = broken(shop().deploy('d1', 'api', -20)).rollback('d1', 10);
    expect((await remedyAt(rolledBack, 5))?.done).toBeNull();
    expect((await remedyAt(rolledBack, 20))?.done).toBe('deploy d1 was rolled back at 2026-04-10T12:10:00.000Z');
    const setAgain = broken(shop().config('c1', 'api', -20)).config('c2', 'api', 10, { value: 1000, previousValue: 100 });
    expect((await remedyAt(setAgain, 5))?.done).toBeNull();
    expect((await remedyAt(setAgain, 20))?.done).toBe('client.timeoutMs was set again by c2 at 2026-04-10T12:10:00.000Z (to 1000)');
  });
});
