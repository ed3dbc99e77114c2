/**
 * The port every store implements: durable appends, and slice reads at an instant. The analysis,
 * the control layer and the API see only this; no code above it asks which adapter it has.
 */
import type { CloudEvent } from '../../schema/events.js';
import type { Fact, FactKind } from '../model/facts.js';
import type { AppendStream, PreparedBatch } from './memory/prepared-batch.js';
import type { Instant } from '../model/time.js';
import type {
  AlertState,
  CausalLinkState,
  ConfigChangeState,
  ConfigValueState,
  DependencyState,
  DeployState,
  IncidentState,
  ServiceState,
} from '../model/views.js';

/** One validated event with the facts `applyEvent` made of it. */
export interface AppendRecord {
  readonly key: string;
  readonly event: CloudEvent;
  readonly facts: readonly Fact[];
}

export interface AppendResult {
  /** Per record, in order: whether it was new (applied) or a repeat of a known `(source, id)`. */
  readonly outcomes: readonly ('accepted' | 'duplicate')[];
  readonly accepted: number;
  readonly duplicates: number;
}

export interface GraphSnapshot {
  services: ServiceState[];
  dependencies: DependencyState[];
}

/** A service at an instant with everything an SRE replaying that instant asks for. */
export interface ServiceDetail {
  service: ServiceState;
  running: { version: string; deploy: string | null } | null;
  config: ConfigValueState[];
  activeAlerts: AlertState[];
  dependsOn: DependencyState[];
  dependedOnBy: DependencyState[];
}

export type Direction = 'out' | 'in' | 'both';

export interface Neighbourhood {
  center: string;
  /** Every service reached within the depth, with the fewest hops to it (the center at 0). */
  services: { service: ServiceState; depth: number }[];
  /** The dependencies traversed, each once. */
  dependencies: DependencyState[];
}

/** One fact that changed something between two instants. */
export interface Change {
  at: number;
  recordedAt: number;
  kind: FactKind;
  entity: string;
  type: CloudEvent['type'];
  source: string;
  eventId: string;
  /** The services this change touches. */
  services: string[];
  attrs: Fact['attrs'];
}

export interface StoreStats {
  events: number;
  facts: number;
  services: number;
  dependencies: number;
  /** The latest recording time of any stored fact (epoch ms; 0 when there is none). */
  lastRecordedAt: number;
}

export interface GraphReader {
  /** Every service and visible dependency valid at `t.at`, as known at `t.knownAt`. */
  graphAt(t: Instant): Promise<GraphSnapshot>;
  service(id: string, t: Instant): Promise<ServiceDetail | null>;
  neighbourhood(id: string, t: Instant, depth: number, direction: Direction): Promise<Neighbourhood | null>;
  /** Changes with valid time in [from, to], recorded by `knownAt`, optionally only those touching `service`, in valid-time order. */
  changes(from: number, to: number, knownAt: number, service?: string): Promise<Change[]>;
  /**
   * Changes recorded after `after` (recording time, epoch ms), whatever their valid time: what
   * arrived since then, events dated long before included. Oldest record first; records of one
   * instant by valid time, then the equal-time rule's key.
   */
  changesRecordedAfter(after: number): Promise<Change[]>;
  deploy(id: string, t: Instant): Promise<DeployState | null>;
  /** Deploys of these services started in [from, t.at], as known at t.knownAt, with their status at t.at. */
  deploysBetween(services: readonly string[], from: number, t: Instant): Promise<DeployState[]>;
  configChangesBetween(services: readonly string[], from: number, t: Instant): Promise<ConfigChangeState[]>;
  /** Alerts on these services that fired in [from, t.at], with their state at t.at. */
  alertsBetween(services: readonly string[], from: number, t: Instant): Promise<AlertState[]>;
  incident(id: string, t: Instant): Promise<IncidentState | null>;
  incidents(t: Instant): Promise<IncidentState[]>;
  causalLinks(t: Instant): Promise<CausalLinkState[]>;
  stats(): Promise<StoreStats>;
}

export interface GraphStore extends GraphReader {
  /**
   * Stores records durably, skipping repeats of a known `(source, id)` (including repeats within
   * the same call). Resolves only once the accepted records survive a crash.
   */
  append(records: readonly AppendRecord[]): Promise<AppendResult>;
  /**
   * The same for a batch validated, applied and encoded on another thread, where the store can
   * take one (the embedded store): bulk doors then leave only the indexing to the store's thread.
   * The store takes the batch's byte arrays over (it may detach them once stored): hand each batch
   * in once.
   */
  appendPrepared?(batch: PreparedBatch, stream?: AppendStream): Promise<AppendResult>;
  close(): Promise<void>;
}

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
