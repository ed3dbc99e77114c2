/**
 * Postmortems: read an incident with its analysis, confirm or reject causal links, record the
 * resolved chain, find similar past incidents, and let agents make shadow predictions. Every
 * verdict becomes a `causal.*` or `incident.resolved` event through the ingest pipeline, so replay
 * covers it like any other fact.
 */
import type { EntityRef as EntityRefValue } from '../../schema/events.js';
import type { CausalLinkState } from '../model/views.js';
import type { Postmortem as PostmortemValue } from '../trust-store/trust-service.js';
import type { PredictedCause as PredictedCauseValue, Prediction as PredictionValue, PredictionOutcome as PredictionOutcomeValue } from '../trust/provenance.js';
import type { SimilarIncident as SimilarIncidentValue } from '../trust/similar.js';
import { builder } from './builder.js';
import { EntityKind, EntityRef } from './entity-ref.js';
import { badArgument } from './errors.js';
import { Incident } from './incident.js';
import { RootCauseAnalysis } from './root-cause.js';
import { DateTime } from './scalars.js';
import { AuthorInput, AuthorType, isTrustError, TrustError, unwrapTrust } from './trust.js';
import { authorOf, trustOf } from './trust-context.js';

const CausalVerdict = builder.enumType('CausalVerdict', { values: { CONFIRMED: { value: 'confirmed' }, REJECTED: { value: 'rejected' } } as const });

export const CausalLink = builder.objectRef<CausalLinkState>('CausalLink').implement({
  description: "A person's ruling on whether `cause` caused `effect`. Rejected links stop being proposed; confirmed chains are reused.",
  fields: (t) => ({
    cause: t.field({ type: EntityRef, resolve: (l) => l.cause }),
    effect: t.field({ type: EntityRef, resolve: (l) => l.effect }),
    verdict: t.field({ type: CausalVerdict, resolve: (l) => l.verdict }),
    incident: t.exposeID('incident', { nullable: true }),
    note: t.exposeString('note', { nullable: true }),
    author: t.exposeID('actor', { nullable: true }),
    at: t.field({ type: DateTime, resolve: (l) => l.at }),
  }),
});

const PredictedCause = builder.objectRef<PredictedCauseValue>('PredictedCause').implement({
  fields: (t) => ({ cause: t.field({ type: EntityRef, resolve: (c) => c.cause }), service: t.exposeID('service'), confidence: t.exposeFloat('confidence') }),
});

const PredictionOutcome = builder.objectRef<PredictionOutcomeValue>('PredictionOutcome').implement({
  fields: (t) => ({
    settledAt: t.field({ type: DateTime, resolve: (o) => o.settledAt }),
    correct: t.exposeBoolean('correct', { description: 'Top-1 right for a root cause; every observed service predicted for a blast radius.' }),
    rank: t.exposeInt('rank', { nullable: true, description: 'Rank of the true cause among the candidates; null when absent.' }),
    truth: t.exposeStringList('truth'),
    faultClass: t.exposeString('faultClass', { nullable: true }),
  }),
});

const PredictionKind = builder.enumType('PredictionKind', { values: { ROOT_CAUSE: { value: 'root-cause' }, BLAST_RADIUS: { value: 'blast-radius' } } as const });
const PredictionMode = builder.enumType('PredictionMode', { values: { DECISION: { value: 'decision' }, SHADOW: { value: 'shadow' } } as const });

export const Prediction = builder.objectRef<PredictionValue>('Prediction').implement({
  description: 'A decision or shadow prediction with its provenance (graph instant, evidence, analysis version) and, once known, whether it was right.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: PredictionKind, resolve: (p) => p.kind }),
    mode: t.field({ type: PredictionMode, resolve: (p) => p.mode }),
    author: t.id({ resolve: (p) => p.author.id }),
    authorType: t.field({ type: AuthorType, resolve: (p) => p.author.type }),
    service: t.exposeID('service'),
    incident: t.exposeID('incident', { nullable: true }),
    action: t.exposeID('action', { nullable: true }),
    recordedAt: t.field({ type: DateTime, resolve: (p) => p.recordedAt }),
    at: t.field({ type: DateTime, description: 'The valid-time instant of the graph it read.', resolve: (p) => p.at }),
    knownAt: t.field({ type: DateTime, description: 'What it knew: events recorded by then.', resolve: (p) => p.knownAt }),
    version: t.exposeString('version'),
    evidence: t.exposeStringList('evidence'),
    candidates: t.field({ type: [PredictedCause], resolve: (p) => p.candidates }),
    impacted: t.exposeIDList('impacted'),
    outcome: t.field({ type: PredictionOutcome, nullable: true, resolve: (p) => p.outcome }),
  }),
});

const Postmortem = builder.objectRef<PostmortemValue>('Postmortem').implement({
  description: 'An incident with its analysis, the rulings on its links and the predictions made about it.',
  fields: (t) => ({
    incident: t.field({ type: Incident, resolve: (p) => p.incident }),
    analysis: t.field({ type: RootCauseAnalysis, nullable: true, resolve: (p) => (p.analysis ? { ...p.analysis, id: p.incident.id } : null) }),
    links: t.field({ type: [CausalLink], resolve: (p) => p.links }),
    predictions: t.field({ type: [Prediction], resolve: (p) => p.predictions }),
  }),
});

const SimilarIncident = builder.objectRef<SimilarIncidentValue>('SimilarIncident').implement({
  fields: (t) => ({
    incident: t.field({ type: Incident, resolve: (s) => s.incident }),
    score: t.exposeFloat('score', { description: '0..1, higher is closer.' }),
    reasons: t.exposeStringList('reasons'),
    rootCause: t.field({ type: EntityRef, nullable: true, description: 'What resolved it.', resolve: (s) => s.rootCause }),
    chain: t.field({ type: [EntityRef], resolve: (s) => s.chain }),
    notes: t.exposeStringList('notes', { description: 'Notes on its confirmed links.' }),
  }),
});

const EntityRefInput = builder.inputType('EntityRefInput', {
  fields: (t) => ({ kind: t.field({ type: EntityKind, required: true }), id: t.id({ required: true }) }),
});
const PredictedCauseInput = builder.inputType('PredictedCauseInput', {
  fields: (t) => ({ cause: t.field({ type: EntityRefInput, required: true }), service: t.id({ required: true }), confidence: t.float({ required: true, description: '0..1' }) }),
});

const refOf = (r: { kind: EntityRefValue['kind']; id: string | number }): EntityRefValue => ({ kind: r.kind, id: String(r.id) });
const authorArg = (a: { id: string | number; type: 'agent' | 'human' } | null | undefined) => (a ? { id: String(a.id), type: a.type } : null);

const PostmortemResult = builder.unionType('PostmortemResult', { types: [Postmortem, TrustError], resolveType: (v) => (isTrustError(v) ? 'TrustError' : 'Postmortem') });
const CausalLinkResult = builder.unionType('CausalLinkResult', { types: [CausalLink, TrustError], resolveType: (v) => (isTrustError(v) ? 'TrustError' : 'CausalLink') });
const PredictionResult = builder.unionType('PredictionResult', { types: [Prediction, TrustError], resolveType: (v) => (isTrustError(v) ? 'TrustError' : 'Prediction') });

builder.queryField('postmortem', (t) =>
  t.field({
    type: PostmortemResult,
    description: "An incident with ctxgraph's analysis, the rulings on its links and the predictions about it. The analysis is kept as a decision with its provenance.",
    args: { incident: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => unwrapTrust(await trustOf(ctx).postmortem(String(args.incident))),
  }),
);

builder.queryField('similarIncidents', (t) =>
  t.field({
    type: [SimilarIncident],
    description: 'Past resolved incidents whose chains or patterns match this one, closest first, with what resolved them.',
    args: { incident: t.arg.id({ required: true }), limit: t.arg.int({ required: false, defaultValue: 5 }) },
    resolve: async (_root, args, ctx) => {
      const limit = args.limit ?? 5;
      if (limit < 1 || limit > 50) throw badArgument('limit', `must be between 1 and 50, got ${limit}`);
      const r = await trustOf(ctx).similarIncidents(String(args.incident), limit);
      if (!r.ok) throw badArgument('incident', r.error.message);
      return r.value;
    },
  }),
);

for (const verdict of ['confirmed', 'rejected'] as const) {
  builder.mutationField(verdict === 'confirmed' ? 'confirmCausalLink' : 'rejectCausalLink', (t) =>
    t.field({
      type: CausalLinkResult,
      description: `Rules that \`cause\` ${verdict === 'confirmed' ? 'caused' : 'did not cause'} \`effect\`; recorded as a causal.${verdict} event with its author and note.`,
      args: {
        cause: t.arg({ type: EntityRefInput, required: true }),
        effect: t.arg({ type: EntityRefInput, required: true }),
        incident: t.arg.id({ required: false }),
        note: t.arg.string({ required: false }),
        author: t.arg({ type: AuthorInput, required: false }),
      },
      resolve: async (_root, args, ctx) => {
        const trust = trustOf(ctx);
        const author = authorOf(ctx, authorArg(args.author));
        const link = { cause: refOf(args.cause), effect: refOf(args.effect), incident: args.incident != null ? String(args.incident) : null, note: args.note ?? null };
        return unwrapTrust(await trust.ruleOnLink(author, verdict, link));
      },
    }),
  );
}

builder.mutationField('resolveIncident', (t) =>
  t.field({
    type: PostmortemResult,
    description: 'Records the resolved chain (an incident.resolved event): the root cause and the chain count as confirmed, and predictions about the incident are scored.',
    args: {
      incident: t.arg.id({ required: true }),
      rootCause: t.arg({ type: EntityRefInput, required: false }),
      chain: t.arg({ type: [EntityRefInput], required: false, description: 'Cause first.' }),
      at: t.arg({ type: DateTime, required: false, description: 'When it was resolved; default now.' }),
      author: t.arg({ type: AuthorInput, required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const trust = trustOf(ctx);
      const author = authorOf(ctx, authorArg(args.author));
      return unwrapTrust(
        await trust.resolveIncident(author, { incident: String(args.incident), rootCause: args.rootCause ? refOf(args.rootCause) : null, chain: (args.chain ?? []).map(refOf), at: args.at ?? null }),
      );
    },
  }),
);

builder.mutationField('recordShadowPrediction', (t) =>
  t.field({
    type: PredictionResult,
    description: "An agent's prediction of an open incident's root cause, made in shadow mode. Scored when the incident is resolved; correct ones are the evidence that promotes it.",
    args: {
      incident: t.arg.id({ required: true }),
      candidates: t.arg({ type: [PredictedCauseInput], required: true, description: 'Best first.' }),
      evidence: t.arg.stringList({ required: false, defaultValue: [] }),
      version: t.arg.string({ required: true, description: 'The model or analysis that made it.' }),
      author: t.arg({ type: AuthorInput, required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const trust = trustOf(ctx);
      const author = authorOf(ctx, authorArg(args.author));
      if (author.type !== 'agent') throw badArgument('author', 'must be an agent: shadow predictions are how agents earn trust');
      const candidates = args.candidates.map((c) => ({ cause: refOf(c.cause), service: String(c.service), confidence: c.confidence }));
      return unwrapTrust(await trust.recordShadowPrediction(author, { incident: String(args.incident), candidates, evidence: args.evidence ?? [], version: args.version }));
    },
  }),
);
