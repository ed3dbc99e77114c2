/**
 * The GraphQL schema: one import per type file, then `toSchema()`. To add a query, write its file
 * (its type and fields beside it, as in graph-snapshot.ts) and add one import line here.
 */
import { builder } from './builder.js';
import './scalars.js';
import './entity-ref.js';
import './graph-snapshot.js';
import './service-detail.js';
import './neighbourhood.js';
import './change.js';
import './deploy.js';
import './incident.js';
import './root-cause.js';
import './blast-radius.js';
import './control.js';
import './control-admin.js';
import './trust.js';
import './postmortem.js';

builder.queryType({ description: 'Every read takes `at` (valid time) and `knownAt` (count only what was recorded by then).' });
builder.mutationType({ description: 'What agents and people ask ctxgraph to decide or record.' });

export const schema = builder.toSchema();
