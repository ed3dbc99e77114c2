/** `Deploy` and the `deploy` query. */
import type { DeployState } from '../model/views.js';
import { builder } from './builder.js';
import { instantArgs, instantOf } from './instant.js';
import { DateTime } from './scalars.js';

export const DeployStatus = builder.enumType('DeployStatus', {
  values: {
    IN_PROGRESS: { value: 'in_progress' },
    SUCCEEDED: { value: 'succeeded' },
    FAILED: { value: 'failed' },
    ROLLED_BACK: { value: 'rolled_back' },
  } as const,
});

export const Deploy = builder.objectRef<DeployState>('Deploy').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    service: t.exposeID('service'),
    version: t.exposeString('version'),
    previousVersion: t.exposeString('previousVersion', { nullable: true }),
    changes: t.exposeStringList('changes', { description: 'Files or change summaries the deploy carried.' }),
    rolloutPercent: t.exposeFloat('rolloutPercent', { nullable: true }),
    status: t.field({ type: DeployStatus, description: 'As of the instant read.', resolve: (d) => d.status }),
    startedAt: t.field({ type: DateTime, resolve: (d) => d.startedAt }),
    finishedAt: t.field({ type: DateTime, nullable: true, resolve: (d) => d.finishedAt }),
    actor: t.exposeString('actor', { nullable: true }),
    actorType: t.exposeString('actorType', { nullable: true }),
    actorModel: t.exposeString('actorModel', { nullable: true }),
  }),
});

builder.queryField('deploy', (t) =>
  t.field({
    type: Deploy,
    nullable: true,
    description: 'A deploy as of `at`, as known at `knownAt`; null when it had not started by then.',
    args: { id: t.arg.id({ required: true }), ...instantArgs() },
    resolve: (_root, args, ctx) => ctx.reader.deploy(String(args.id), instantOf(args, ctx)),
  }),
);
