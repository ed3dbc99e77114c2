/**
 * Changes as an SLI counts them: each finished deploy and each config change is one event, good or
 * bad, authored by an agent, a human or the system (the events' `actortype`). Pure.
 *
 * A deploy is bad when it failed or was rolled back; a deploy or config change is also bad when a
 * person confirmed it as a cause (a postmortem verdict or a resolved incident's chain), because a
 * change that "succeeded" and then broke production did not succeed.
 *
 * @example
 * const outcomes = changeOutcomes(deploys, configChanges, confirmedCauses(links));
 * outcomes.filter((o) => o.authorType === 'agent' && !o.good);
 */
import type { EntityRef } from '../../schema/events.js';
import type { CausalLinkState, ConfigChangeState, DeployState } from '../model/views.js';
import { byId } from '../model/order.js';

export const AUTHOR_TYPES = ['agent', 'human', 'system', 'unknown'] as const;
export type AuthorType = (typeof AUTHOR_TYPES)[number];
export const CHANGE_KINDS = ['deploy', 'config'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface ChangeOutcome {
  id: string;
  kind: ChangeKind;
  service: string;
  actor: string | null;
  authorType: AuthorType;
  /** When the outcome became known: a deploy's finish, a config change's own time. */
  at: number;
  good: boolean;
}

export const refKey = (r: EntityRef): string => `${r.kind}:${r.id}`;

const authorType = (t: string | null): AuthorType => (t === 'agent' || t === 'human' || t === 'system' ? t : 'unknown');

/** Every entity a person confirmed as the cause of something. */
export function confirmedCauses(links: readonly CausalLinkState[]): Set<string> {
  return new Set(links.filter((l) => l.verdict === 'confirmed').map((l) => refKey(l.cause)));
}

/** Deploys still in progress have no outcome yet and are left out. */
export function changeOutcomes(deploys: readonly DeployState[], configs: readonly ConfigChangeState[], causes: ReadonlySet<string>): ChangeOutcome[] {
  const out: ChangeOutcome[] = [];
  for (const d of deploys) {
    if (d.status === 'in_progress') continue;
    const blamed = causes.has(`deploy:${d.id}`);
    out.push({
      id: d.id,
      kind: 'deploy',
      service: d.service,
      actor: d.actor,
      authorType: authorType(d.actorType),
      at: d.finishedAt ?? d.startedAt,
      good: d.status === 'succeeded' && !blamed,
    });
  }
  for (const c of configs) {
    out.push({ id: c.id, kind: 'config', service: c.service, actor: c.actor, authorType: authorType(c.actorType), at: c.at, good: !causes.has(`config:${c.id}`) });
  }
  return out.sort((a, b) => a.at - b.at || byId(a.id, b.id));
}
