/**
 * The agents of the control benchmark, as a production would have them: half are enrolled on the
 * trust ladder of a few dozen services each (their "home"), at various rungs, with the history that
 * put them there (ladder moves, settled shadow predictions, their own deploys and outcomes) and a
 * grant on those services; the other half were never enrolled, some with a grant on everything,
 * some with none. Autonomous agents sit mostly on low-risk services that pass the readiness gate,
 * so that proposals span ALLOW, REQUIRE_APPROVAL and DENY. Seeded: the same options give the same
 * agents and events.
 *
 * The history is graph events, to be ingested before the trust store is opened (it rebuilds its
 * projection from the graph, as the app does at start-up).
 *
 * @example
 * const world = await agentWorld({ agents: 50, services: topology.services, risk, now: Date.now(), r: createRandom(9) });
 * await pipeline.ingest(world.events);
 * const target = world.target(3, r); // a service agent-3 proposes on
 */
import type { Random } from './random.js';
import type { ServiceSpec } from './topology.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const TRUST_SOURCE = 'ctxgraph/trust';
const ANN = { id: 'ann', type: 'human' as const };

export type Rung = 'shadow' | 'supervised-write' | 'autonomous';

export interface BenchAgent {
  id: string;
  /** Enrolled agents: rung per home service. Empty for an agent never enrolled. */
  rungs: Map<string, Rung>;
  /** Services its grant covers; ['*'] for all, [] for no grant. */
  granted: string[];
}

export interface AgentWorld {
  agents: BenchAgent[];
  /** Graph events: service readiness tags, ladder moves, shadow predictions and their scores, the agents' deploys. */
  events: object[];
  /** The service agent `i` proposes on next: mostly its home, sometimes anywhere. */
  target(i: number, r: Random): string;
  /** "25 enrolled on 40 services each (shadow 8, supervised 14, autonomous 18 of which 12 ready); 13 never enrolled with a grant on *, 12 with none". */
  describe(): string;
}

export interface AgentWorldOptions {
  agents: number;
  /** Services as generated: the readiness tags are added to theirs. */
  services: readonly ServiceSpec[];
  /**
   * What the blast-radius and network-boundary lines say of a proposal on the service: 'low' (both
   * allow), 'approval', 'deny'; null when the service does not exist now.
   */
  risk: (service: string) => Promise<'low' | 'approval' | 'deny' | null>;
  now: number;
  r: Random;
  /** Home services per enrolled agent. */
  home?: number;
  /** Share of an enrolled agent's proposals on its home services. */
  homeShare?: number;
}

const HOME = { shadow: 8, supervised: 12, autonomous: 20, ready: 16 };
/** Services of each risk to draw homes from; enough that agents rarely share one. */
const POOL = 600;

export async function agentWorld(o: AgentWorldOptions): Promise<AgentWorld> {
  const { r, now } = o;
  const homeSize = o.home ?? HOME.shadow + HOME.supervised + HOME.autonomous;
  const homeShare = o.homeShare ?? 0.85;
  const events: object[] = [];
  let n = 0;
  const ev = (type: string, time: number, subject: string, data: object, actor?: { id: string; type: string }, source = 'bench/agents'): void => {
    events.push({ specversion: '1.0', id: `bench-agents-${n++}`, source, type, time: new Date(time).toISOString(), subject, ...(actor ? { actor: actor.id, actortype: actor.type } : {}), data });
  };

  // Existing services, split by the risk of acting on them. Nobody enrols an agent where every
  // proposal is denied for its reach: homes are services that allow or need approval.
  const byId = new Map(o.services.map((s) => [s.id, s]));
  const low: string[] = [];
  const high: string[] = [];
  for (const s of o.agents > 0 ? r.shuffled(o.services.map((x) => x.id)) : []) {
    if (low.length >= POOL && high.length >= POOL) break;
    const k = await o.risk(s);
    if (k === 'low' && low.length < POOL) low.push(s);
    else if (k === 'approval' && high.length < POOL) high.push(s);
  }
  if (o.services.length > 0 && (low.length === 0 || high.length === 0)) throw new Error(`no home services to draw: ${low.length} low-risk, ${high.length} needing approval`);
  const ready = new Set<string>();
  const agents: BenchAgent[] = [];
  const enrolled = Math.ceil(o.agents / 2);
  for (let i = 0; i < o.agents; i++) {
    const id = `agent-${i}`;
    const agent = { id, rungs: new Map<string, Rung>(), granted: [] as string[] };
    agents.push(agent);
    const me = { id, type: 'agent' };
    if (i >= enrolled) {
      agent.granted = (i - enrolled) % 2 === 0 ? ['*'] : [];
      continue;
    }
    // Autonomous mostly on low-risk services that pass the gate; the rest anywhere.
    const scale = homeSize / (HOME.shadow + HOME.supervised + HOME.autonomous);
    const counts = { ready: Math.round(HOME.ready * scale), autonomous: Math.round((HOME.autonomous - HOME.ready) * scale), supervised: Math.round(HOME.supervised * scale), shadow: Math.round(HOME.shadow * scale) };
    const plan: [string, Rung, boolean][] = [
      ...Array.from({ length: counts.ready }, () => [r.pick(low), 'autonomous', true] as [string, Rung, boolean]),
      ...Array.from({ length: counts.autonomous }, () => [r.pick(high), 'autonomous', false] as [string, Rung, boolean]),
      ...Array.from({ length: counts.supervised }, () => [r.pick(r.chance(0.5) ? low : high), 'supervised-write', false] as [string, Rung, boolean]),
      ...Array.from({ length: counts.shadow }, () => [r.pick(r.chance(0.5) ? low : high), 'shadow', false] as [string, Rung, boolean]),
    ];
    for (const [service, rung, gate] of plan) {
      if (agent.rungs.has(service)) continue;
      agent.rungs.set(service, rung);
      if (gate) ready.add(service);
      history(service, rung, me, r.chance(0.25));
    }
    agent.granted = [...agent.rungs.keys()];
  }

  // The readiness gate's declarations, on top of each service's own tags.
  for (const id of ready) {
    const s = byId.get(id);
    if (!s) continue;
    ev('service.upserted', now - 2 * DAY, id, { service: id, tags: [...s.tags, 'error-budget-policy=https://wiki.example/ebp', 'rollback=automated', 'toil=measured'] });
  }

  /** An enrolled agent's past on one service: how it got to its rung, what it predicted, what it changed. */
  function history(service: string, rung: Rung, me: { id: string; type: string }, demotedBefore: boolean): void {
    const moves: [string, string, number][] = [['read-only', 'shadow', now - 60 * DAY]];
    if (rung !== 'shadow' || demotedBefore) moves.push(['shadow', 'supervised-write', now - 28 * DAY]);
    if (rung === 'autonomous') moves.push(['supervised-write', 'autonomous', now - 14 * DAY]);
    if (rung === 'shadow' && demotedBefore) moves.push(['supervised-write', 'shadow', now - 5 * DAY]);
    moves.forEach(([from, to, at], v) => {
      const type = from === 'read-only' ? 'ladder.enrolled' : to === 'shadow' ? 'ladder.demoted' : 'ladder.promoted';
      const by = type === 'ladder.demoted' ? { id: 'ctxgraph', type: 'system' } : ANN;
      const reason = type === 'ladder.demoted' ? 'error budget exhausted: 2 of 6 changes failed (0.30 allowed)' : `promoted by ann (bench history)`;
      ev(type, at, `${me.id}@${service}`, { agent: me.id, service, from, to, by, reason, checks: [] }, by, TRUST_SOURCE);
      // The store's own id scheme for ladder moves, so that later moves continue the sequence.
      (events.at(-1) as { id: string }).id = `ladder:${encodeURIComponent(me.id)}:${encodeURIComponent(service)}:${String(v + 1).padStart(10, '0')}`;
    });
    // Shadow predictions, scored: 6 over the shadow period, most right.
    for (let k = 0; k < 6; k++) {
      const at = now - (58 - k * 4) * DAY;
      const pid = `shadow:bench:${me.id}:${service}:${k}`;
      const incident = `inc-bench-${service}-${k}`;
      ev('prediction.recorded', at, incident, { prediction: pid, kind: 'root-cause', mode: 'shadow', author: me, service, incident, at: new Date(at).toISOString(), knownAt: new Date(at).toISOString(), version: 'bench-model', evidence: ['bench'], candidates: [{ cause: { kind: 'service', id: service }, service, confidence: 0.8 }] }, me, TRUST_SOURCE);
      ev('prediction.settled', at + HOUR, incident, { prediction: pid, correct: k !== 2, rank: k !== 2 ? 1 : null, truth: [`service:${service}`], faultClass: 'service' }, undefined, TRUST_SOURCE);
    }
    // Its own changes in the last days: succeeded, with one failure among many for some.
    if (rung === 'shadow') return;
    const changes = rung === 'autonomous' ? 12 : r.chance(0.3) ? 22 : 5;
    for (let k = 0; k < changes; k++) {
      const at = now - 3.5 * DAY + k * ((3 * DAY) / changes);
      const deploy = `bench-deploy-${me.id}-${service}-${k}`;
      const status = changes === 22 && k === 0 ? 'failed' : 'succeeded';
      ev('deploy.started', at, service, { deploy, service, version: `v${k + 2}`, previousVersion: `v${k + 1}`, rolloutPercent: 10 }, me);
      ev('deploy.finished', at + 10 * 60_000, service, { deploy, status }, me);
    }
  }

  return {
    agents,
    events,
    target(i, rr) {
      const a = agents[i % agents.length] as BenchAgent;
      if (a.rungs.size > 0 && rr.chance(homeShare)) return rr.pick([...a.rungs.keys()]);
      return rr.pick(o.services).id;
    },
    describe() {
      const on = agents.filter((a) => a.rungs.size > 0);
      const tally: Record<string, number> = {};
      for (const a of on) for (const rung of a.rungs.values()) tally[rung] = (tally[rung] ?? 0) + 1;
      const never = agents.filter((a) => a.rungs.size === 0);
      return (
        `${on.length} agents enrolled (${Object.entries(tally).map(([k, v]) => `${k} ${v}`).join(', ')} agent-service pairs; ${ready.size} autonomous services pass the readiness gate; ` +
        `${(homeShare * 100).toFixed(0)}% of their proposals on those services), ${never.length} never enrolled (${never.filter((a) => a.granted[0] === '*').length} with a grant on every service, the rest none)`
      );
    },
  };
}
