/**
 * The embedded store's in-memory indexes, shaped for time-sliced traversal: versions per entity
 * sorted by valid time (a look-up at T is a binary search), adjacency per service, and per-service
 * lists of deploys, config and alerts. Inserting is idempotent per fact and order-independent.
 */
import { type Fact, type FactKind, splitId } from '../../model/facts.js';
import { compareFacts, insertionPoint } from '../../model/time.js';

type Versions = Fact[];

/** Adds to a set held in a map, creating the set on first use. */
function link(map: Map<string, Set<string>>, owner: string, id: string): void {
  let set = map.get(owner);
  if (!set) map.set(owner, (set = new Set()));
  set.add(id);
}

export class GraphIndex {
  readonly entities: Record<FactKind, Map<string, Versions>> = {
    service: new Map(),
    dependency: new Map(),
    deploy: new Map(),
    config: new Map(),
    configValue: new Map(),
    alert: new Map(),
    incident: new Map(),
    causal: new Map(),
    action: new Map(),
    prediction: new Map(),
    ladder: new Map(),
  };
  /** service -> dependency ids it calls / is called by (every dependency ever known). */
  readonly out = new Map<string, Set<string>>();
  readonly in = new Map<string, Set<string>>();
  /** service -> ids of deploys, config values, config changes and alerts that ever named it. */
  readonly deploysOf = new Map<string, Set<string>>();
  readonly configValuesOf = new Map<string, Set<string>>();
  readonly configChangesOf = new Map<string, Set<string>>();
  readonly alertsOf = new Map<string, Set<string>>();
  readonly actionsOf = new Map<string, Set<string>>();
  /** Every fact by valid time, for change listings over the whole graph. */
  readonly timeline: Fact[] = [];
  readonly keys = new Set<string>();
  factCount = 0;

  versions(kind: FactKind, id: string): Versions | undefined {
    return this.entities[kind].get(id);
  }

  /** Records an event's facts. The caller has checked that `key` is new. */
  addEvent(key: string, facts: readonly Fact[]): void {
    this.keys.add(key);
    for (const f of facts) this.addFact(f);
  }

  private addFact(f: Fact): void {
    const map = this.entities[f.kind];
    let versions = map.get(f.id);
    if (!versions) map.set(f.id, (versions = []));
    const last = versions[versions.length - 1];
    // In-order delivery appends; only late facts pay for a binary search and a splice.
    if (!last || last.validFrom < f.validFrom || (last.validFrom === f.validFrom && last.key < f.key)) versions.push(f);
    else {
      const at = insertionPoint(versions, f);
      if (at < 0) return;
      versions.splice(at, 0, f);
    }
    this.factCount++;
    this.addToTimeline(f);
    this.addLinks(f);
  }

  private addToTimeline(f: Fact): void {
    const tl = this.timeline;
    const last = tl[tl.length - 1];
    // Equal valid times in (source, id) order, so change listings do not depend on arrival order;
    // the facts of one event stay in the order the event made them.
    if (!last || compareFacts(last, f) <= 0) {
      tl.push(f);
      return;
    }
    let lo = 0;
    let hi = tl.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareFacts(tl[mid] as Fact, f) <= 0) lo = mid + 1;
      else hi = mid;
    }
    tl.splice(lo, 0, f);
  }

  private addLinks(f: Fact): void {
    const service = f.attrs.service;
    switch (f.kind) {
      case 'dependency': {
        const [from, to] = splitId(f.id);
        link(this.out, from, f.id);
        link(this.in, to, f.id);
        break;
      }
      case 'deploy':
        if (typeof service === 'string') link(this.deploysOf, service, f.id);
        break;
      case 'configValue':
        if (typeof service === 'string') link(this.configValuesOf, service, f.id);
        break;
      case 'config': {
        // A change counts for its service, the dependency it governs and every other consumer.
        for (const s of [service, f.attrs.dependency, ...(Array.isArray(f.attrs.services) ? f.attrs.services : [])]) {
          if (typeof s === 'string') link(this.configChangesOf, s, f.id);
        }
        break;
      }
      case 'alert':
        if (typeof service === 'string') link(this.alertsOf, service, f.id);
        break;
      case 'action':
        if (typeof service === 'string') link(this.actionsOf, service, f.id);
        break;
      default:
        break;
    }
  }

  /** Every fact, grouped by event, in the order events were recorded: what a snapshot holds. */
  *factsByEvent(): Generator<[string, Fact[]]> {
    const byKey = new Map<string, Fact[]>();
    for (const f of this.timeline) {
      let list = byKey.get(f.key);
      if (!list) byKey.set(f.key, (list = []));
      list.push(f);
    }
    yield* byKey;
  }
}
