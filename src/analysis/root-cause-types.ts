/**
 * Shapes of root-cause analysis (CONTRACT §4, §5): the slice it reasons over, its options and its
 * answer. The slice is plain data, so `rankCauses` is a pure function and every store feeds it alike.
 */
import type { EntityRef } from '../../schema/events.js';
import type { Json } from '../model/facts.js';
import type {
  AlertState,
  CausalLinkState,
  ConfigChangeState,
  DependencyState,
  DeployState,
  ServiceState,
} from '../model/views.js';

/** Values by dependency, caller then callee: no key is built per lookup (a slice can hold tens of thousands). */
export type ByEdge<T> = Map<string, Map<string, T>>;

export const edgeGet = <T>(m: ByEdge<T>, from: string, to: string): T | undefined => m.get(from)?.get(to);

export function edgeSet<T>(m: ByEdge<T>, from: string, to: string, v: T): void {
  const out = m.get(from);
  if (out) out.set(to, v);
  else m.set(from, new Map([[to, v]]));
}

/** A dependency that appeared inside the lookback window, with when. */
export interface NewDependency {
  from: string;
  to: string;
  at: number;
}

/** Everything the analysis reads, gathered once per question. */
export interface RootCauseSlice {
  /** The incident id, or null for an ad-hoc question over `symptoms`. */
  incident: string | null;
  /** When the incident began (epoch ms): the graph is read as it was then. */
  at: number;
  /** Start of the lookback window. */
  from: number;
  /** Symptom services; the first is the one users noticed. */
  symptoms: string[];
  /** Services the symptoms depend on, transitively (the symptoms included), as valid at `at`. */
  services: ServiceState[];
  /** Dependencies among `services` valid at `at`. */
  dependencies: DependencyState[];
  /** Dependencies that appeared in [from, at]; the rest existed before the window. */
  newDependencies: NewDependency[];
  /** Requests per second on each dependency at `from`, by caller then callee, to spot a traffic jump. */
  rpsBefore: ByEdge<number>;
  deploys: DeployState[];
  configChanges: ConfigChangeState[];
  alerts: AlertState[];
  causalLinks: CausalLinkState[];
}

/** Weights of the log-linear score; tuned on the benchmark's train split only. */
export interface RootCauseWeights {
  /** Prior per cause kind. */
  deploy: number;
  config: number;
  service: number;
  /** The change is followed by an anomaly where it acts, within `quickEffectMs`. */
  quickEffect: number;
  /** The change sat longer than `quickEffectMs` and a trigger arrived before the effect. */
  triggered: number;
  /** A surge came between the change and a saturation (or outage) of its service, which the surge explains alone. */
  surgeAlone: number;
  /** The change sat longer than `quickEffectMs` with no trigger. */
  stale: number;
  /** Per extra anomalous service a shared config acts on. */
  sharedConsumers: number;
  /** The cause acts on the earliest anomaly among the services it reaches symptoms through. */
  deepest: number;
  /** Per anomalous service below the cause's service that began earlier (unexplained by it). */
  earlierBelow: number;
  /** Per failing service below a service candidate with no change behind it, unordered against it (same step). */
  sameStepBelow: number;
  /** Share of services on the chain whose anomaly follows the one below it in time. */
  coherentChain: number;
  /** Per hop of the chain whose caller reports failing calls to other services, not to this one. */
  hopBlamesOther: number;
  /** Per hop of the chain whose caller began failing longer than `propagationMs` (per hop between them) after the failing service below. */
  slowHop: number;
  /** The service (changed, or failing with no signal of its own) reports failing calls to another failing service: the fault lies below. */
  pointsBelow: number;
  /** Per caller that reported failing calls to this service (mesh, client-side alerts). */
  edgeBlame: number;
  /** Own saturation/availability signal on a service with no change behind it. */
  ownFailureSignal: number;
  /** No deploy or config change on the service in the window before its failure began. */
  noChange: number;
  /** A traffic surge reached the service's chain shortly before it began failing. */
  surge: number;
  /** Service kinds that fail on their own (database, cache, queue, external). */
  infraKind: number;
  /** The deploy added a dependency whose far end went bad after it. */
  newDependency: number;
  /** The service's failure was only seen already under way, more than a step before the symptom's observed onset. */
  satBefore: number;
  /** The service shows no anomaly of its own. */
  noAnomaly: number;
  /** The service is seen failing only in its callers' reports of calls to it, and a setting of theirs that a surge or a recent change woke governs those calls. */
  governedReports: number;
  /** A confirmed / rejected causal link from a past postmortem matches the chain. */
  confirmedLink: number;
  rejectedLink: number;
  /** Another change of the same service came after this one and before the failure: this one ran without it. */
  laterChange: number;
  /** Penalty per log2 hour of lag between the change and its effect. */
  lagPerLog2Hour: number;
  /** Temperature of the softmax that turns scores into confidences. */
  temperature: number;
}

export interface RootCauseOptions {
  /** How far back changes can lie. Default 7 days. */
  lookbackMs: number;
  /** Anomalies that began this long before the symptom still belong to the incident. */
  episodeMs: number;
  /** How long clocks and scrape intervals may disagree when ordering alerts. */
  toleranceMs: number;
  /**
   * How long before a change its effect may be seen and the change still be its cause. An alert
   * fires after the failure it reports, never before, so only the clocks of the change system and
   * the monitoring may disagree, by this much.
   */
  changeSkewMs: number;
  /** A change whose effect began within this is a quick effect; later it is stale unless triggered. */
  quickEffectMs: number;
  /** A surge triggers a failure only if the failure began within this after the surge arrived. */
  surgeWindowMs: number;
  /** A caller that began failing longer than this after its callee did was not brought down by it. */
  propagationMs: number;
  /** How many hops below a symptom to look. */
  depth: number;
  /** How many candidates to return. */
  limit: number;
  weights: RootCauseWeights;
}

/** One hop of a chain: `cause` brought `effect` down, and the facts that say so. */
export interface RootCauseHop {
  cause: EntityRef;
  effect: EntityRef;
  evidence: string[];
}

/**
 * What to do about a cause, as an action an agent can propose as it is (`proposeAction` takes these
 * fields): undo the change, or relieve the service where the failure began.
 */
export interface Remedy {
  kind: 'ROLLBACK' | 'CONFIG_CHANGE' | 'SCALE' | 'RESTART';
  service: string;
  /** A ROLLBACK: `deploy` and, when known, `toVersion`; a CONFIG_CHANGE: `key` and, when known, `value` (the value before the change). */
  parameters: Record<string, Json>;
  /** A setting's scope, as the change stated it. */
  services: string[];
  dependency: string | null;
  /** Why this action, in a line. */
  why: string;
  /** Set when it no longer applies, saying why (the deploy was rolled back, or the setting changed again, since the incident began); null otherwise. */
  done: string | null;
}

export interface RootCauseCandidate {
  rank: number;
  cause: EntityRef;
  service: string;
  confidence: number;
  chain: EntityRef[];
  evidence: string[];
  /** The chain hop by hop (one fewer than its entities), each with its own evidence. */
  hops: RootCauseHop[];
  /** The raw score before normalisation (for benchmarks and debugging). */
  score: number;
  /** What to do about it; null where ctxgraph has nothing to suggest (a failing external dependency). */
  remedy: Remedy | null;
}

/** A candidate as ranking makes it, before its remedy is drawn. */
export type RankedCandidate = Omit<RootCauseCandidate, 'remedy'>;

/** A service failing in the incident's episode: on the symptoms, or below them. */
export interface FailingService {
  service: string;
  /** When its failure began (its earliest alert, or the first report of failing calls to it). */
  since: number;
  /** The signals of its own alerts (latency, errors, saturation, ...), sorted. */
  signals: string[];
  /** Callers that reported failing calls to it, sorted. */
  reportedBy: string[];
}

/** A change in the lookback window that cannot be the cause, and why (a causal constraint it fails). */
export interface RuledOutCause {
  cause: EntityRef;
  service: string;
  /** When the change was made (a deploy's start). */
  at: number;
  reason: string;
}

export interface RootCauseAnalysis {
  incident: string | null;
  /** When the analysis read the graph (the incident start, or the ad-hoc `at`). */
  at: number;
  /** The first symptom's onset, from which "after the symptom" is judged. */
  symptomStart: number;
  /** Start of the lookback window: changes before it were not considered. */
  lookbackFrom: number;
  candidates: RootCauseCandidate[];
  /** Changes in the window that no causal reading allows, latest first. */
  ruledOut: RuledOutCause[];
  /** What was failing in the episode, earliest first: what the candidates had to explain. Empty when no alert corroborates the symptoms. */
  failing: FailingService[];
}

/** The question: an incident, or symptom services at an instant (ad-hoc, before an incident exists). */
export type RootCauseQuery = ({ incident: string } | { services: string[]; at: number }) & {
  knownAt?: number;
  limit?: number;
  /** How far back before `at` changes may lie; default `RootCauseOptions.lookbackMs` (7 days). */
  lookbackMs?: number;
};

/** Expected failures of a question, as values. */
export type RootCauseError =
  | { kind: 'unknown-incident'; incident: string }
  | { kind: 'unknown-services'; services: string[] }
  | { kind: 'no-symptoms' };
