/**
 * The port where trust memory is kept: decision provenance and predictions, ladder states and the
 * ladder's audit trail. `memory.ts` is the in-process adapter; a Redis or Neo4j adapter implements
 * the same interface (every method is async for that reason) and nothing above it changes.
 */
import type { LadderState, LadderTransition } from '../trust/ladder.js';
import type { Prediction, PredictionKind, PredictionMode, PredictionOutcome } from '../trust/provenance.js';

export interface PredictionFilter {
  id?: string;
  service?: string;
  authorId?: string;
  incident?: string;
  action?: string;
  kind?: PredictionKind;
  mode?: PredictionMode;
  settled?: boolean;
  /** Recorded at or after. */
  from?: number;
}

/** What the readiness gate reads of the predictions about one service. */
export interface DecisionSummary {
  /** Every prediction about the service, shadow predictions included. */
  total: number;
  /** Those that carry their instant, evidence and analysis version (`hasProvenance`). */
  withProvenance: number;
  /** When the first shadow prediction about it was recorded; null if never. */
  firstShadowAt: number | null;
}

export interface TrustStore {
  /**
   * Whether each new write is one new event in the graph (the event-sourced store), valid from the
   * time it records (a prediction's `recordedAt`), or kept aside.
   */
  readonly writesGraphEvents: boolean;
  /** Keeps a prediction; a repeat of a known id changes nothing and answers false. */
  putPrediction(p: Prediction): Promise<boolean>;
  /** In the order they were made (`recordedAt`, then id). */
  predictions(filter: PredictionFilter): Promise<Prediction[]>;
  /**
   * The readiness gate's counts over the predictions about `service`, as `predictions({ service })`
   * would give them, without reading each one (every proposal adds one).
   */
  decisions(service: string): Promise<DecisionSummary>;
  /** Records the outcome of an unsettled prediction; false when unknown or already settled. */
  settle(id: string, outcome: PredictionOutcome): Promise<boolean>;
  ladder(agent: string, service: string): Promise<LadderState | null>;
  /** By agent, then service. */
  ladders(filter: { agent?: string; service?: string }): Promise<LadderState[]>;
  /**
   * Stores the state after a transition and its audit entry together, only if the stored state is
   * still at `expectedVersion` (0 for none): two reviews racing cannot both move the agent.
   */
  transition(next: LadderState, expectedVersion: number, entry: LadderTransition): Promise<boolean>;
  /** The ladder's audit trail, oldest first. */
  transitions(filter: { agent?: string; service?: string }): Promise<LadderTransition[]>;
}
