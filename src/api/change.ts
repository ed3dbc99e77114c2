/** `Change` and the `changes` query: every recorded change between two instants, oldest first. */
import { ENTITY_REF_KINDS, type EntityRef as EntityRefValue } from '../../schema/events.js';
import { FACT_KINDS, type FactKind, splitId } from '../model/facts.js';
import { toIso } from '../model/time.js';
import type { Change as ChangeValue } from '../store/graph-store.js';
import { builder } from './builder.js';
import { summarize } from './change-summary.js';
import { EntityRef } from './entity-ref.js';
import { badArgument } from './errors.js';
import { KNOWN_AT } from './instant.js';
import { DateTime, JSONScalar } from './scalars.js';
import { byId } from '../model/order.js';

const ENUM_NAMES: Record<FactKind, string> = {
  service: 'SERVICE',
  dependency: 'DEPENDENCY',
  deploy: 'DEPLOY',
  config: 'CONFIG',
  configValue: 'CONFIG_VALUE',
  alert: 'ALERT',
  incident: 'INCIDENT',
  causal: 'CAUSAL_LINK',
  action: 'ACTION',
  prediction: 'PREDICTION',
  ladder: 'TRUST_LADDER',
};

export const ChangeKind = builder.enumType('ChangeKind', {
  description: 'What a change is about: an `EntityKind`, or a dependency, a setting on one service, or a causal link.',
  values: Object.fromEntries(FACT_KINDS.map((k) => [ENUM_NAMES[k], { value: k }])),
});

/** A readable id for kinds whose stored id is compound. */
function displayId(c: ChangeValue): string {
  if (c.kind === 'dependency' || c.kind === 'configValue') return splitId(c.entity).join(c.kind === 'dependency' ? '->' : ':');
  if (c.kind === 'causal') return splitId(c.entity).join('->');
  if (c.kind === 'ladder') return splitId(c.entity).join('@');
  return c.entity;
}

const isRefKind = (k: FactKind): k is EntityRefValue['kind'] => (ENTITY_REF_KINDS as readonly string[]).includes(k);

export const Change = builder.objectRef<ChangeValue>('Change').implement({
  fields: (t) => ({
    at: t.field({ type: DateTime, description: 'When it became true in production (valid time).', resolve: (c) => c.at }),
    recordedAt: t.field({ type: DateTime, description: 'When ctxgraph recorded it.', resolve: (c) => c.recordedAt }),
    type: t.exposeString('type', { description: 'The event type, e.g. deploy.started.' }),
    kind: t.field({ type: ChangeKind, resolve: (c) => c.kind }),
    entity: t.id({ description: 'The entity id; `from->to` for a dependency, `cause->effect` for a causal link, `agent@service` for a trust ladder.', resolve: displayId }),
    ref: t.field({
      type: EntityRef,
      nullable: true,
      description: 'The entity, when it is a service, deploy, config change, alert or incident.',
      resolve: (c) => (isRefKind(c.kind) ? { kind: c.kind, id: c.entity } : null),
    }),
    source: t.exposeString('source'),
    eventId: t.exposeID('eventId'),
    services: t.exposeIDList('services', { description: 'The services this change touches.' }),
    summary: t.string({ description: 'One line for a person, e.g. "deploy d-12 of checkout: v1.4.2 (from v1.4.1)".', resolve: summarize }),
    attrs: t.field({ type: JSONScalar, description: 'What the change set, as recorded.', resolve: (c) => c.attrs }),
  }),
});

builder.queryField('changes', (t) =>
  t.field({
    type: [Change],
    description: 'Every change with valid time in [from, to], oldest first; only those touching `service` when given.',
    args: {
      from: t.arg({ type: DateTime, required: true }),
      to: t.arg({ type: DateTime, required: true }),
      service: t.arg.id({ required: false }),
      knownAt: t.arg({ type: DateTime, required: false, description: KNOWN_AT }),
    },
    resolve: async (_root, args, ctx) => {
      if (args.from > args.to) {
        throw badArgument('from', `must not be after "to" (${toIso(args.from)} > ${toIso(args.to)})`);
      }
      const service = args.service === null || args.service === undefined ? undefined : String(args.service);
      const changes = await ctx.reader.changes(args.from, args.to, args.knownAt ?? ctx.now(), service);
      // The port does not promise an order; the API does (valid time, then the equal-time rule's key).
      return changes.sort((a, b) => a.at - b.at || byId(a.source, b.source) || byId(a.eventId, b.eventId));
    },
  }),
);
