/**
 * The naive baseline the benchmark compares against: every fact in one list, and each question
 * answered by a linear scan over all of them. It uses the same model functions as the store (so the
 * answers must agree), only without indexes.
 */
import type { CloudEvent } from '../schema/events.js';
import { applyEvent } from '../src/model/apply.js';
import { eventKey, type Fact } from '../src/model/facts.js';
import { compareFacts, type Instant } from '../src/model/time.js';
import { dependencyAt, type DependencyState, presentAt, serviceAt, type ServiceState } from '../src/model/views.js';
import type { Direction } from '../src/store/graph-store.js';

export interface NaiveGraph {
  services: ServiceState[];
  dependencies: DependencyState[];
}

export class NaiveFacts {
  readonly facts: Fact[] = [];
  private readonly keys = new Set<string>();

  /** Dedupes on (source, id) as the contract requires, then appends the facts. */
  add(events: readonly CloudEvent[], recordedAt: number): void {
    for (const e of events) {
      const key = eventKey(e.source, e.id);
      if (this.keys.has(key)) continue;
      this.keys.add(key);
      for (const f of applyEvent(e, recordedAt)) this.facts.push(f);
    }
  }

  /** One pass over every fact: the services and dependencies visible at `t`. */
  graphAt(t: Instant): NaiveGraph {
    const services = new Map<string, Fact[]>();
    const deps = new Map<string, Fact[]>();
    for (const f of this.facts) {
      if (f.validFrom > t.at || f.recordedAt > t.knownAt) continue;
      const m = f.kind === 'service' ? services : f.kind === 'dependency' ? deps : null;
      if (!m) continue;
      const l = m.get(f.id);
      if (l) l.push(f);
      else m.set(f.id, [f]);
    }
    const out: NaiveGraph = { services: [], dependencies: [] };
    const present = new Set<string>();
    for (const [id, v] of services) {
      v.sort(compareFacts);
      const s = serviceAt(id, v, t);
      if (s) out.services.push(s);
      if (presentAt(v, t)) present.add(id);
    }
    for (const [id, v] of deps) {
      v.sort(compareFacts);
      const d = dependencyAt(id, v, t);
      if (d && present.has(d.from) && present.has(d.to)) out.dependencies.push(d);
    }
    return out;
  }

  /** The services within `depth` hops of `center` at `t`, each at its fewest hops, from a full scan. */
  neighbourhood(center: string, t: Instant, depth: number, direction: Direction): Map<string, number> | null {
    const g = this.graphAt(t);
    if (!g.services.some((s) => s.id === center)) return null;
    const adj = new Map<string, string[]>();
    const link = (a: string, b: string) => {
      const l = adj.get(a);
      if (l) l.push(b);
      else adj.set(a, [b]);
    };
    for (const d of g.dependencies) {
      if (direction !== 'in') link(d.from, d.to);
      if (direction !== 'out') link(d.to, d.from);
    }
    const depthOf = new Map([[center, 0]]);
    let frontier = [center];
    for (let k = 1; k <= depth && frontier.length > 0; k++) {
      const next: string[] = [];
      for (const s of frontier) {
        for (const o of adj.get(s) ?? []) {
          if (depthOf.has(o)) continue;
          depthOf.set(o, k);
          next.push(o);
        }
      }
      frontier = next;
    }
    return depthOf;
  }
}
