/**
 * What to do about a cause, pure: the action that undoes it, in the shape `proposeAction` takes, so
 * an agent can ask for a verdict on it as it is. A deploy is rolled back to the version before it; a
 * setting is set back to the value before the change, with the scope the change stated; a service
 * that failed with no change behind it is scaled when it saturated, restarted otherwise; a failing
 * external dependency gets nothing (there is nothing of ours to act on).
 *
 * @example
 * remedyOf(slice, failing, { cause: { kind: 'deploy', id: 'd-42' }, service: 'inventory' });
 * // { kind: 'ROLLBACK', service: 'inventory', parameters: { deploy: 'd-42', toVersion: 'v4.16.3' }, services: [], dependency: null, why: 'roll back deploy d-42 (v4.17.0) to v4.16.3' }
 */
import type { EntityRef } from '../../schema/events.js';
import type { Json } from '../model/facts.js';
import { toIso } from '../model/time.js';
import type { ConfigChangeState, DeployState } from '../model/views.js';
import type { FailingService, Remedy, RootCauseSlice } from './root-cause-types.js';

/** `changed`: a recorded change stands behind the service's failure (for a service cause, whose `why` must not say otherwise). */
export function remedyOf(slice: RootCauseSlice, failing: readonly FailingService[], c: { cause: EntityRef; service: string }, changed = false): Remedy | null {
  const none = { services: [], dependency: null, done: null };
  if (c.cause.kind === 'deploy') {
    const d = slice.deploys.find((x) => x.id === c.cause.id);
    const to = d?.previousVersion ?? null;
    const parameters: Record<string, Json> = { deploy: c.cause.id, ...(to === null ? {} : { toVersion: to }) };
    const what = d ? `deploy ${d.id} (${d.version})` : `deploy ${c.cause.id}`;
    return { kind: 'ROLLBACK', service: c.service, parameters, ...none, why: to === null ? `roll back ${what}; the version before it is not recorded` : `roll back ${what} to ${to}` };
  }
  if (c.cause.kind === 'config') {
    const x = slice.configChanges.find((y) => y.id === c.cause.id);
    if (!x) return { kind: 'CONFIG_CHANGE', service: c.service, parameters: {}, ...none, why: `undo config change ${c.cause.id}` };
    const known = x.previousValue !== null;
    return {
      kind: 'CONFIG_CHANGE',
      service: c.service,
      parameters: { key: x.key, ...(known ? { value: x.previousValue } : {}) },
      services: [...x.services],
      dependency: x.dependency,
      done: null,
      why: known ? `set ${x.key} on ${x.service} back to ${JSON.stringify(x.previousValue)}, its value before ${x.id}` : `undo ${x.id} on ${x.key}; the value before it is not recorded`,
    };
  }
  if (slice.services.find((s) => s.id === c.service)?.kind === 'external') return null;
  const f = failing.find((x) => x.service === c.service);
  const behind = changed ? ', though a recorded change stands behind that (see the change among the causes)' : ' with no change behind it';
  if (f?.signals.includes('saturation')) return { kind: 'SCALE', service: c.service, parameters: {}, ...none, why: `add capacity to ${c.service}: it saturated${behind}` };
  return { kind: 'RESTART', service: c.service, parameters: {}, ...none, why: `restart ${c.service} (or fail it over): it failed${behind}` };
}

/**
 * Why a remedy no longer applies, from what happened since the analysis read the graph: the deploy
 * it would roll back has been rolled back, or the setting it would set back has changed again (by
 * `changes`: the service's config changes after the cause). Null when it still applies.
 */
export function remedyDone(r: Remedy, cause: EntityRef, now: { deploy: DeployState | null; changes: readonly ConfigChangeState[] }): string | null {
  if (r.kind === 'ROLLBACK' && now.deploy?.status === 'rolled_back') {
    return `deploy ${now.deploy.id} was rolled back${now.deploy.finishedAt === null ? '' : ` at ${toIso(now.deploy.finishedAt)}`}`;
  }
  if (r.kind === 'CONFIG_CHANGE' && cause.kind === 'config') {
    const key = r.parameters.key;
    const later = now.changes.filter((c) => c.id !== cause.id && c.key === key).sort((a, b) => b.at - a.at)[0];
    if (later) return `${later.key} was set again by ${later.id} at ${toIso(later.at)} (to ${JSON.stringify(later.value)})`;
  }
  return null;
}
