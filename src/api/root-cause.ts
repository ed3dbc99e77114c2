/**
 * `rootCause` (CONTRACT §4, §5): ranked causal chains for an incident, or, before anyone opens
 * one, for symptom services at an instant. The resolver validates, calls the analysis and shapes
 * the answer; it never walks the graph itself.
 */
import { checkRemedies, rootCause } from '../analysis/root-cause.js';
import type {
  FailingService as FailingValue,
  RootCauseAnalysis as AnalysisValue,
  Remedy as RemedyValue,
  RootCauseCandidate as CandidateValue,
  RootCauseError,
  RootCauseHop as HopValue,
  RootCauseQuery,
  RuledOutCause as RuledOutValue,
} from '../analysis/root-cause-types.js';
import { toIso } from '../model/time.js';
import { HOUR } from '../trust/durations.js';
import { ActionKind } from './blast-radius.js';
import { builder } from './builder.js';
import { EntityRef } from './entity-ref.js';
import { badArgument } from './errors.js';
import { KNOWN_AT } from './instant.js';
import { DateTime, JSONScalar } from './scalars.js';

const MAX_LIMIT = 50;
/** The lookback window in hours: default a week, at most 90 days. */
const DEFAULT_LOOKBACK_HOURS = 7 * 24;
const MAX_LOOKBACK_HOURS = 90 * 24;
/** Ruled-out changes listed by default, latest first, and at most. */
const DEFAULT_RULED_OUT = 20;
const MAX_RULED_OUT = 500;

/** The analysis with the id it answers to: the incident's, or a stable name for an ad-hoc question. */
interface AnalysisShape extends AnalysisValue {
  id: string;
}

const RootCauseHop = builder.objectRef<HopValue>('RootCauseHop').implement({
  description: 'One hop of a chain: `cause` brought `effect` down, with the facts that say so.',
  fields: (t) => ({
    cause: t.field({ type: EntityRef, description: 'The change, or the failing service, below.', resolve: (h) => h.cause }),
    effect: t.field({ type: EntityRef, description: 'The service it brought down (for a service below, one that calls it).', resolve: (h) => h.effect }),
    evidence: t.exposeStringList('evidence', {
      description: 'For a change: the change, when its first service failed after it, and what woke it or how long it sat. For a service: the dependency valid at the time, the order of the two failures, the caller\'s reports of failing calls, and postmortem verdicts on this link.',
    }),
  }),
});

const Remedy = builder.objectRef<RemedyValue>('Remedy').implement({
  description: 'What to do about a cause, in the fields `proposeAction` takes: undo the change, or relieve the service where the failure began.',
  fields: (t) => ({
    kind: t.field({ type: ActionKind, resolve: (r) => r.kind }),
    service: t.exposeID('service'),
    services: t.exposeIDList('services', { description: "A setting's other services, as its change stated them." }),
    dependency: t.exposeID('dependency', { nullable: true, description: 'The callee whose calls the setting governs, as its change stated it.' }),
    parameters: t.field({ type: JSONScalar, description: 'ROLLBACK: `deploy` and, when known, `toVersion`. CONFIG_CHANGE: `key` and, when known, `value` (the value before the change).', resolve: (r) => r.parameters }),
    why: t.exposeString('why'),
    done: t.exposeString('done', { nullable: true, description: 'Set when it no longer applies as it is, saying why: the deploy was rolled back, or the setting changed again, since the incident began (as known at `knownAt`).' }),
  }),
});

const RootCauseCandidate = builder.objectRef<CandidateValue>('RootCauseCandidate').implement({
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: '1 is the most likely.' }),
    cause: t.field({ type: EntityRef, description: 'The deploy, config change or service (CONTRACT §5).', resolve: (c) => c.cause }),
    service: t.exposeID('service', { description: 'The service the cause lives in.' }),
    confidence: t.exposeFloat('confidence', { description: '0..1. For the first candidate, the probability that it is the cause: a logistic over its margin over the others, the evidence behind it and how many failing services its chain leaves unexplained, fitted on labelled train incidents. The others share what is left in proportion to their scores, none above the first; the candidates of one answer sum to at most 1. How well it is calibrated, per kind of data, is in docs/root-cause.md (confidence).' }),
    chain: t.field({ type: [EntityRef], description: 'From the cause to the first symptom service it reaches.', resolve: (c) => c.chain }),
    evidence: t.exposeStringList('evidence', { description: 'Why, one checkable fact with its times per line.' }),
    hops: t.field({ type: [RootCauseHop], description: 'The chain hop by hop, each hop with its own evidence; one fewer than the chain\'s entities.', resolve: (c) => c.hops }),
    remedy: t.field({ type: Remedy, nullable: true, description: 'What to do about it, ready for proposeAction; null where there is nothing of ours to act on (a failing external dependency).', resolve: (c) => c.remedy }),
  }),
});

const RuledOutCause = builder.objectRef<RuledOutValue>('RuledOutCause').implement({
  description: 'A change in the lookback window that cannot be the cause, with the causal constraint it fails.',
  fields: (t) => ({
    cause: t.field({ type: EntityRef, description: 'The deploy or config change.', resolve: (c) => c.cause }),
    service: t.exposeID('service', { description: 'The service the change was made on.' }),
    at: t.field({ type: DateTime, description: 'When it was made (a deploy: when it started).', resolve: (c) => c.at }),
    reason: t.exposeString('reason', {
      description: 'Why, as a checkable fact with times: it came after the first symptom, was rolled back before its service failed, was superseded before the failure, or no valid dependency leads from the symptoms to it.',
    }),
  }),
});

const FailingService = builder.objectRef<FailingValue>('FailingService').implement({
  description: 'A service failing in the episode the analysis read: a symptom service, or one it depends on.',
  fields: (t) => ({
    service: t.exposeID('service'),
    since: t.field({ type: DateTime, description: 'When its failure began: its earliest alert, or the first report of failing calls to it.', resolve: (f) => f.since }),
    signals: t.exposeStringList('signals', { description: 'The signals of its own alerts (latency, errors, saturation, ...); empty when only its callers reported it.' }),
    reportedBy: t.exposeIDList('reportedBy', { description: 'Callers that reported failing calls to it.' }),
  }),
});

export const RootCauseAnalysis = builder.objectRef<AnalysisShape>('RootCauseAnalysis').implement({
  fields: (t) => ({
    incident: t.exposeID('id', {
      description: 'The incident analysed; for an ad-hoc question (`services` and `at`), "ad-hoc:" followed by the services and the instant.',
    }),
    adHoc: t.boolean({ description: 'True when the question named services instead of an incident.', resolve: (a) => a.incident === null }),
    at: t.field({ type: DateTime, description: 'The instant whose graph was read: the incident opening, or the ad-hoc `at`.', resolve: (a) => a.at }),
    symptomStart: t.field({ type: DateTime, description: 'When the first symptom service began to fail; later alerts explain nothing.', resolve: (a) => a.symptomStart }),
    lookbackFrom: t.field({ type: DateTime, description: 'Start of the lookback window (`at` less `lookbackHours`): deploys and config changes before it were not considered.', resolve: (a) => a.lookbackFrom }),
    candidates: t.field({ type: [RootCauseCandidate], resolve: (a) => a.candidates }),
    failing: t.field({
      type: [FailingService],
      description: 'What was failing in the episode, earliest first: what the candidates had to explain. Empty when no alert corroborates the symptoms; the candidates are then only the changes nearest them in the graph, each saying that no alert followed it.',
      resolve: (a) => a.failing,
    }),
    ruledOut: t.field({
      type: [RuledOutCause],
      description: `Changes in the lookback window that no causal reading allows, each with why; latest first, at most \`limit\` of them (\`ruledOutCount\` says how many there are).`,
      args: { limit: t.arg.int({ required: false, defaultValue: DEFAULT_RULED_OUT, description: `How many, 1 to ${MAX_RULED_OUT}.` }) },
      resolve: (a, args) => {
        const limit = args.limit ?? DEFAULT_RULED_OUT;
        if (limit < 1 || limit > MAX_RULED_OUT) throw badArgument('limit', `of ruledOut must be between 1 and ${MAX_RULED_OUT}, got ${limit}`);
        return a.ruledOut.slice(0, limit);
      },
    }),
    ruledOutCount: t.int({ description: 'How many changes in the lookback window were ruled out, all of them.', resolve: (a) => a.ruledOut.length }),
  }),
});

function errorOf(e: RootCauseError): Error {
  switch (e.kind) {
    case 'unknown-incident':
      return badArgument('incident', `names no incident known to ctxgraph: "${e.incident}"`);
    case 'unknown-services':
      return badArgument('services', `names no service present at that instant: ${e.services.map((s) => `"${s}"`).join(', ')}`);
    case 'no-symptoms':
      return badArgument('services', 'is empty: name at least one symptom service');
  }
}

builder.queryField('rootCause', (t) =>
  t.field({
    type: RootCauseAnalysis,
    description:
      'Ranked causal chains for an incident (`incident`), or for symptom services at an instant (`services`, `at`, default now) before an incident exists. Give exactly one of `incident` and `services`.',
    args: {
      incident: t.arg.id({ required: false, description: 'The incident to explain.' }),
      services: t.arg.idList({ required: false, description: 'Ad hoc: the symptom services, the one users noticed first.' }),
      at: t.arg({ type: DateTime, required: false, description: 'Ad hoc: when the symptoms were seen; default now. Not allowed with `incident`.' }),
      knownAt: t.arg({ type: DateTime, required: false, description: KNOWN_AT }),
      limit: t.arg.int({ required: false, defaultValue: 5, description: `How many candidates, 1 to ${MAX_LIMIT}.` }),
      lookbackHours: t.arg.int({
        required: false,
        defaultValue: DEFAULT_LOOKBACK_HOURS,
        description: `How far before \`at\` a cause may lie, in hours: 1 to ${MAX_LOOKBACK_HOURS} (90 days); default a week. A change that sat days before a trigger woke it needs a window that reaches it.`,
      }),
    },
    resolve: async (_root, args, ctx) => {
      const limit = args.limit ?? 5;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badArgument('limit', `must be between 1 and ${MAX_LIMIT}, got ${limit}`);
      const lookbackHours = args.lookbackHours ?? DEFAULT_LOOKBACK_HOURS;
      if (lookbackHours < 1 || lookbackHours > MAX_LOOKBACK_HOURS) throw badArgument('lookbackHours', `must be between 1 and ${MAX_LOOKBACK_HOURS} (90 days), got ${lookbackHours}`);
      const lookbackMs = lookbackHours * HOUR;
      const hasIncident = args.incident !== null && args.incident !== undefined;
      const hasServices = args.services !== null && args.services !== undefined;
      if (hasIncident === hasServices) {
        throw badArgument(hasIncident ? 'services' : 'incident', hasIncident ? 'cannot be given with "incident": ask about an incident or about services, not both' : 'or "services" is required: name the incident to explain, or the symptom services');
      }
      const knownAt = args.knownAt ?? ctx.now();
      let query: RootCauseQuery;
      let id: string;
      if (hasIncident) {
        if (args.at !== null && args.at !== undefined) throw badArgument('at', 'applies to ad-hoc questions only: an incident is read as it was when it opened');
        id = String(args.incident);
        query = { incident: id, knownAt, limit, lookbackMs };
      } else {
        const services = (args.services ?? []).map(String);
        const at = args.at ?? ctx.now();
        id = `ad-hoc:${services.join(',')}@${toIso(at)}`;
        query = { services, at, knownAt, limit, lookbackMs };
      }
      const r = await rootCause(ctx.reader, query);
      if (!r.ok) throw errorOf(r.error);
      // Decision provenance (docs/trust.md): what was served about an open incident, kept to be scored.
      await ctx.trust?.service.recordAnalysis(r.analysis, knownAt);
      // The analysis is as of the incident's start; whether each remedy still applies is judged as of `knownAt`.
      return { ...(await checkRemedies(ctx.reader, r.analysis, { at: knownAt, knownAt })), id };
    },
  }),
);
