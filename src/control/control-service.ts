/**
 * The control layer's use cases: agents propose, ctxgraph decides. Each one reads what it needs
 * (a blast-radius slice, a shared-state snapshot), asks the pure policy, then records: shared state,
 * the signed audit, and events for the graph. Expected refusals come back as `ControlError` values.
 *
 * @example
 * const r = await control.propose(identity, { kind: 'DEPLOY', service: 'api', ... });
 * if (r.ok && r.value.record.verdict === 'ALLOW') await control.execute(identity, r.value.record.id);
 */
import { randomUUID } from 'node:crypto';
import type { ActionEvent, ActionEventType } from '../../schema/action-events.js';
import { type ActionScope, type BlastRadius, EDGE_ZONES, type PastAction } from '../analysis/blast-radius.js';
import { createBlastRadiusReader } from '../analysis/blast-radius-slice.js';
import { createGraphWatch } from '../analysis/blast-radius-watch.js';
import type { Logger } from '../logger.js';
import type { Json } from '../model/facts.js';
import type { AlertState } from '../model/views.js';
import { END_OF_TIME } from '../model/time.js';
import type { GraphReader } from '../store/graph-store.js';
import { CTXGRAPH, versionOf } from '../trust/provenance.js';
import type { TrustService } from '../trust-store/trust-service.js';
import {
  type ActionKind,
  type ActionProposal,
  type ActionRecord,
  type ActionStatus,
  type Approval,
  type Grant,
  type Identity,
  killKey,
  type KillScope,
  type KillSwitch,
  type OutcomeStatus,
} from './action.js';
import type { AuditLog, AuditRecordInput, AuditVerification } from './audit.js';
import { CAN } from './identities.js';
import { evaluatePolicy, withRateLimit } from './policy.js';
import { createOpenIncidents } from './open-incidents.js';
import type { Policy, PolicyHolder, PolicyLoad } from './policy-file.js';
import type { SharedState } from './shared-state.js';
import { cachedTrustVerdict } from './trust-cache.js';

export type ControlErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'UNKNOWN_SERVICE';
export interface ControlError {
  code: ControlErrorCode;
  message: string;
}
export type Result<T> = { ok: true; value: T } | { ok: false; error: ControlError };

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const err = <T>(code: ControlErrorCode, message: string): Result<T> => ({ ok: false, error: { code, message } });

export interface Proposed {
  record: ActionRecord;
  blastRadius: BlastRadius;
}

export interface ActionView {
  record: ActionRecord;
  approvals: Approval[];
}

export interface ControlDeps {
  reader: GraphReader;
  state: SharedState;
  audit: AuditLog;
  policy: PolicyHolder;
  verifyAudit: () => Promise<AuditVerification>;
  logger: Logger;
  now?: () => number;
  newId?: () => string;
  /**
   * Facts for the graph in today's event types (a DEPLOY with `parameters.version` becomes
   * deploy.started / deploy.finished; a CONFIG_CHANGE with `key` and `value`, config.changed).
   * Give it the pipeline's `ingest`.
   */
  ingest?: (events: object[]) => Promise<void>;
  /** action.* events (schema/action-events.ts), once the event union accepts them. */
  actionEvents?: (events: ActionEvent[]) => Promise<void>;
  /** The CloudEvents `source` of what the control layer emits. */
  source?: string;
  /**
   * The trust ladder: an agent's rung on the target becomes the `trust` primitive, and each kept
   * proposal's blast-radius prediction is recorded with its provenance. Absent: no trust primitive.
   */
  trust?: Pick<TrustService, 'trustVerdict' | 'recordBlastRadius'>;
  /**
   * Keep trust lines per agent and service until the graph or `TRUST_CACHE_MS` says otherwise
   * (see trust-cache.ts). Only where the trust store's writes are graph events (the event-sourced
   * store), so that the graph shows every ladder move; otherwise every proposal asks afresh.
   */
  keepTrustLines?: boolean;
}

/** Names the blast-radius analysis in recorded predictions; a change to its parameters changes it. */
const BLAST_RADIUS_VERSION = versionOf('blast-radius', { edgeZones: [...EDGE_ZONES].sort() });

/** A proposal's scope as event data: only what it names. */
function scopeData(p: ActionProposal): { services?: string[]; dependency?: string } {
  return { ...(p.services && p.services.length > 0 ? { services: p.services } : {}), ...(p.dependency ? { dependency: p.dependency } : {}) };
}

/** The target, or the target and what else the action touches. */
const touchedName = (br: BlastRadius): string => (br.touched.length > 1 ? `${br.target} and ${br.touched.length - 1} more touched` : br.target);

/** What a blast-radius prediction rested on, one line each, for a reviewer. */
function blastEvidence(br: BlastRadius, proposer: Identity): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  return [
    `proposed by ${proposer.id} (${proposer.role}${proposer.model ? `, model ${proposer.model}` : ''})`,
    ...(br.touched.length > 1 ? [`touched: ${br.touched.map((t) => (t.via ? `${t.service} (${t.reason} via ${t.via})` : `${t.service} (${t.reason})`)).join(', ')}`] : []),
    `${br.services.length} services reached, ${br.services.filter((s) => s.critical).length} of them failing with ${touchedName(br)}`,
    br.trafficShare === null ? 'no entry traffic known' : `${pct(br.trafficShare)} of entry traffic through ${touchedName(br)} (entries: ${br.entryServices.join(', ') || 'none'})`,
    `tier-1 reached: ${br.tier1.join(', ') || 'none'}`,
    `zones crossed: ${br.zonesCrossed.join(', ') || 'none'}`,
  ];
}

const TERMINAL_HEALTH: readonly ActionStatus[] = ['EXECUTED'];

/** ctxgraph itself, as the author of what it decides on its own (the health watcher's verdicts). */
export const SYSTEM: Identity = { id: 'ctxgraph', role: 'admin', model: null, scope: null };

/** Latest outcome per action, as the history of similar actions reads it. */
function pastActions(outcomes: readonly { actionId: string; status: OutcomeStatus; at: number }[], before: number): PastAction[] {
  const latest = new Map<string, PastAction>();
  for (const o of outcomes) {
    if (o.at > before || latest.has(o.actionId)) continue;
    const status = o.status === 'executed' ? 'open' : o.status === 'reverted' ? 'rolled_back' : o.status;
    latest.set(o.actionId, { id: o.actionId, at: o.at, origin: 'action', status });
  }
  return [...latest.values()];
}

export interface ControlService {
  blastRadius(action: ActionScope, t: { at: number | null; knownAt: number | null }): Promise<Result<BlastRadius>>;
  propose(caller: Identity | null, p: ActionProposal): Promise<Result<Proposed>>;
  approve(caller: Identity | null, actionId: string, note: string | null): Promise<Result<ActionView>>;
  execute(caller: Identity | null, actionId: string): Promise<Result<ActionView>>;
  /** `healthy` null: judged from alerts on the target since execution. */
  reportHealth(caller: Identity | null, actionId: string, healthy: boolean | null, detail: string | null): Promise<Result<ActionView>>;
  /**
   * The health watcher's sweep: every watched executed action whose target had an alert (of the
   * policy's severities) fire after execution, within `health.watchSeconds`, is marked for revert
   * (or failed, when irreversible), audited and sent as an action.outcome event. Actions past the
   * window, or no longer EXECUTED, stop being watched. Returns the actions it marked.
   */
  watchHealth(): Promise<ActionView[]>;
  /** The executor confirms a revert it was asked for (or that it failed). */
  reportReverted(caller: Identity | null, actionId: string, reverted: boolean, detail: string | null): Promise<Result<ActionView>>;
  action(actionId: string): Promise<Result<ActionView>>;
  grant(caller: Identity | null, g: { agent: string; services: string[]; kinds: ActionKind[]; ttlSeconds: number }): Promise<Result<Grant>>;
  revokeGrant(caller: Identity | null, agent: string, grantId: string): Promise<Result<boolean>>;
  grants(agent: string): Promise<Grant[]>;
  engageKill(caller: Identity | null, scope: KillScope, reason: string): Promise<Result<KillSwitch>>;
  liftKill(caller: Identity | null, scope: KillScope): Promise<Result<boolean>>;
  kills(): Promise<KillSwitch[]>;
  reloadPolicy(caller: Identity | null): Promise<Result<Policy>>;
  policy(): Policy;
  verifyAudit(): Promise<AuditVerification>;
  /** Resolves once every proposal answered so far is recorded (or failed to be): call it before closing the audit. */
  flush(): Promise<void>;
}

export function createControlService(deps: ControlDeps): ControlService {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const source = deps.source ?? 'ctxgraph/control';
  const log = deps.logger.child({ component: 'control' });
  const watch = createGraphWatch(deps.reader);
  const trust = deps.trust;
  const trustVerdict = trust && deps.keepTrustLines ? cachedTrustVerdict({ trust, watch, now }) : trust ? trust.trustVerdict.bind(trust) : null;
  const blast = createBlastRadiusReader({
    reader: deps.reader,
    now,
    watch,
    outcomes: async (service, kind, t) => pastActions(await deps.state.outcomes(service, kind), t.at),
  });

  const openIncidents = createOpenIncidents({ reader: deps.reader, watch, now, onError: (e) => log.warn({ err: e }, 'reading the open incidents failed; verdicts use the last read') });
  const audit = (entries: AuditRecordInput[]): Promise<unknown> => Promise.all(entries.map((e) => deps.audit.append(e)));
  const actorAttrs = (who: Identity) => ({
    actor: who.id,
    actortype: who === SYSTEM ? ('system' as const) : who.role === 'agent' ? ('agent' as const) : ('human' as const),
    ...(who.model ? { actormodel: who.model } : {}),
  });

  async function emit<T extends ActionEventType>(who: Identity, type: T, subject: string, data: ActionEvent<T>['data']): Promise<void> {
    if (!deps.actionEvents) return;
    // A fresh id per event: each one moves the store's count by one, as the watch is told.
    const at = now();
    const write = deps.actionEvents([{ specversion: '1.0', id: `${subject}:${type}:${newId()}`, source, type, time: new Date(at).toISOString(), subject, ...actorAttrs(who), data }]);
    watch.appending(
      write.then(() => [{ topic: 'action' }]),
      1,
    );
    await write;
  }

  /**
   * What a proposal still writes after it has been answered: its audit entries, events and
   * prediction, then the action in shared state. Nothing can act on an action before that: the
   * action is unknown to shared state until its records are durable, and `approve`, `execute` and
   * `action` on this instance wait for it (`durable`).
   */
  const inFlight = new Map<string, Promise<void>>();
  let anonymous = 0;

  function keepWriting(id: string, writes: readonly Promise<unknown>[], record: ActionRecord | null): void {
    const key = record ? id : `anonymous:${anonymous++}`;
    const done = Promise.all(writes)
      .then(() => (record ? deps.state.createAction(record) : undefined))
      .catch((e: unknown) => {
        // The verdict was answered, but the action never becomes known: it cannot be approved or executed.
        log.error({ err: e, action: id }, 'a proposal could not be recorded; its action will never run');
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, done);
  }

  const flush = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.all(inFlight.values());
  };

  /** Waits until a proposal answered by this instance is recorded (or failed to be). */
  const durable = async (id: string): Promise<void> => {
    await inFlight.get(id);
  };

  /** Memory write: the executed action and its end become facts the graph (and blast radius) already know. */
  async function ingestFacts(who: Identity, r: ActionRecord, phase: 'executed' | OutcomeStatus): Promise<void> {
    if (!deps.ingest) return;
    const p = r.proposal;
    const time = new Date(now()).toISOString();
    const base = { specversion: '1.0', source, time, ...actorAttrs(who) };
    const version = p.parameters.version;
    if (p.kind === 'DEPLOY' && typeof version === 'string') {
      if (phase === 'executed') {
        const prev = p.parameters.previousVersion;
        await deps.ingest([{ ...base, id: `${r.id}:started`, type: 'deploy.started', subject: p.service, data: { deploy: r.id, service: p.service, version, rolloutPercent: p.rolloutPercent, ...(typeof prev === 'string' ? { previousVersion: prev } : {}), changes: [p.justification] } }]);
      } else if (phase !== 'failed' || !r.revertRequired) {
        const status = phase === 'reverted' ? 'rolled_back' : phase;
        await deps.ingest([{ ...base, id: `${r.id}:finished:${status}`, type: 'deploy.finished', subject: p.service, data: { deploy: r.id, status } }]);
      }
    } else if (p.kind === 'CONFIG_CHANGE' && typeof p.parameters.key === 'string' && p.parameters.value !== undefined && phase === 'executed') {
      const v = p.parameters.value;
      const scalar = (x: Json | undefined) => (x === null || ['string', 'number', 'boolean'].includes(typeof x) ? x : JSON.stringify(x));
      await deps.ingest([{ ...base, id: `${r.id}:config`, type: 'config.changed', subject: p.service, data: { change: r.id, service: p.service, key: p.parameters.key, value: scalar(v), ...(p.parameters.previousValue !== undefined ? { previousValue: scalar(p.parameters.previousValue) } : {}) } }]);
    }
  }

  async function view(id: string): Promise<Result<ActionView>> {
    await durable(id);
    const record = await deps.state.action(id);
    if (!record) return err('NOT_FOUND', `no action ${id}`);
    return ok({ record, approvals: await deps.state.approvals(id) });
  }

  /** Moves an action on; when another request moved it first, says what it is now. */
  async function move(record: ActionRecord, from: readonly ActionStatus[], next: ActionRecord): Promise<Result<ActionView>> {
    if (await deps.state.transition(record.id, from, next)) return ok({ record: next, approvals: await deps.state.approvals(record.id) });
    const now2 = await deps.state.action(record.id);
    return err('CONFLICT', `action ${record.id} is ${now2?.status ?? 'gone'}, not ${from.join(' or ')}`);
  }

  async function finish(who: Identity, r: ActionRecord, status: OutcomeStatus, detail: string | null): Promise<void> {
    const at = now();
    await Promise.all([
      deps.state.recordOutcome({ actionId: r.id, service: r.proposal.service, kind: r.proposal.kind, status, at, by: who.id }),
      audit([{ type: 'action.outcome', actor: who.id, actionId: r.id, data: { status, detail, service: r.proposal.service, kind: r.proposal.kind } }]),
      ingestFacts(who, r, status),
      status === 'executed' ? Promise.resolve() : emit(who, 'action.outcome', r.id, { action: r.id, service: r.proposal.service, kind: r.proposal.kind, status, ...(detail ? { detail } : {}) }),
    ]);
  }

  /** Alerts of the policy's severities on the target that fired since the action ran, as known at `at`. */
  async function failingAlerts(record: ActionRecord, at: number): Promise<AlertState[]> {
    const severities = deps.policy.current().health.revertOnAlertSeverities as readonly string[];
    const alerts = await deps.reader.alertsBetween([record.proposal.service], record.executedAt ?? record.proposedAt, { at, knownAt: END_OF_TIME });
    return alerts.filter((a) => severities.includes(a.severity ?? 'critical'));
  }

  /** Records a health verdict on an executed action: succeeded, or marked for revert (failed when irreversible). */
  async function judged(who: Identity, record: ActionRecord, healthy: boolean, why: string | null): Promise<Result<ActionView>> {
    const at = now();
    const status: ActionStatus = healthy ? 'SUCCEEDED' : record.proposal.reversible ? 'REVERT_REQUIRED' : 'FAILED';
    const next: ActionRecord = { ...record, status, revertRequired: !healthy && record.proposal.reversible, healthDetail: why, finishedAt: status === 'REVERT_REQUIRED' ? null : at };
    const moved = await move(record, ['EXECUTED'], next);
    if (!moved.ok) return moved;
    if (!healthy) log.warn({ action: record.id, service: record.proposal.service, detail: why, revert: next.revertRequired, by: who.id }, 'post-execution health failed');
    await Promise.all([
      audit([{ type: 'action.health', actor: who.id, actionId: record.id, data: { healthy, detail: why, revertRequired: next.revertRequired } }]),
      finish(who, next, healthy ? 'succeeded' : 'failed', why),
    ]);
    return moved;
  }

  const needs = (caller: Identity | null, can: (r: Identity['role']) => boolean, what: string): Result<Identity> =>
    caller === null ? err('UNAUTHENTICATED', `${what} needs an API token`) : can(caller.role) ? ok(caller) : err('FORBIDDEN', `${caller.role}s may not ${what}`);

  return {
    async blastRadius(action, t) {
      const r = await blast.compute(action, { at: t.at, knownAt: t.knownAt ?? END_OF_TIME });
      return r.ok ? ok(r.blastRadius) : err('UNKNOWN_SERVICE', r.message);
    },

    async propose(caller, p) {
      if (p.rolloutPercent < 0 || p.rolloutPercent > 100) return err('INVALID', `rolloutPercent must be 0..100, got ${p.rolloutPercent}`);
      const at = now();
      // A CONFIG_CHANGE's `parameters.key` names the setting: its known scope counts too.
      const br = await blast.compute({ ...p, key: typeof p.parameters.key === 'string' ? p.parameters.key : null }, { at: null, knownAt: END_OF_TIME });
      if (!br.ok) return err('UNKNOWN_SERVICE', br.message);
      const policy = deps.policy.current();
      const windowMs = policy.rateLimit.windowSeconds * 1000;
      const rateKey = `service:${p.service}`;
      // Humans and admins are not on the trust ladder; an agent never enrolled is on its lowest rung.
      const [snapshot, trust, incidents] = await Promise.all([
        deps.state.snapshot({ agent: caller?.id ?? '', rateKey, windowMs, now: at }),
        caller?.role === 'agent' && trustVerdict ? trustVerdict(caller, p.service) : Promise.resolve(null),
        openIncidents.current(),
      ]);
      const id = newId();
      let d = evaluatePolicy({ identity: caller, proposal: p, blastRadius: br.blastRadius, snapshot, policy, now: at, trust, incidents });
      if (d.verdict !== 'DENY') {
        d = withRateLimit(d, await deps.state.hitRateLimit({ key: rateKey, limit: policy.rateLimit.perService, windowMs, now: at, member: id }), policy, p.service);
      }
      const status: ActionStatus = d.dryRun ? 'DRY_RUN' : d.verdict === 'DENY' ? 'DENIED' : d.verdict === 'ALLOW' ? 'ALLOWED' : 'PENDING_APPROVAL';
      const record: ActionRecord = {
        id,
        proposal: p,
        proposer: { id: caller?.id ?? '(anonymous)', role: caller?.role ?? 'agent', model: caller?.model ?? p.model },
        verdict: d.verdict,
        reasons: d.reasons,
        approvalsRequired: d.verdict === 'REQUIRE_APPROVAL' ? d.approvalsRequired : 0,
        humanApprovalRequired: d.humanApprovalRequired,
        dryRun: d.dryRun,
        status,
        proposedAt: at,
        executedAt: null,
        finishedAt: null,
        revertRequired: false,
        healthDetail: null,
      };
      const summary = { trafficShare: br.blastRadius.trafficShare, services: br.blastRadius.services.length, tier1: br.blastRadius.tier1, zonesCrossed: br.blastRadius.zonesCrossed };
      const writes: Promise<unknown>[] = [
        audit([
          { type: 'action.proposed', actor: caller?.id ?? null, actionId: id, data: JSON.parse(JSON.stringify({ ...p, model: caller?.model ?? p.model })) as Json },
          { type: 'action.decided', actor: 'ctxgraph', actionId: id, data: JSON.parse(JSON.stringify({ verdict: d.verdict, status, reasons: d.reasons, severity: d.severity, blastRadius: summary })) as Json },
        ]),
      ];
      // Anonymous proposals are audited but not kept: nobody could act on them.
      if (caller) {
        writes.push(emit(caller, 'action.proposed', id, { action: id, service: p.service, kind: p.kind, ...scopeData(p), parameters: p.parameters, rolloutPercent: p.rolloutPercent, reversible: p.reversible, destructive: p.destructive, justification: p.justification, evidence: p.evidence }));
        writes.push(emit(caller, 'action.decided', id, { action: id, service: p.service, kind: p.kind, verdict: d.verdict, reasons: d.reasons, approvalsRequired: record.approvalsRequired, dryRun: d.dryRun }));
        // Decision provenance: what ctxgraph predicted this action reaches, and from what, to be scored later.
        if (deps.trust) {
          const recorded = deps.trust.recordBlastRadius({
            action: id,
            service: p.service,
            impacted: br.blastRadius.services.map((s) => s.service),
            at,
            knownAt: at,
            version: BLAST_RADIUS_VERSION,
            evidence: blastEvidence(br.blastRadius, caller),
            author: CTXGRAPH,
          });
          watch.appending(
            recorded.then((r) => Array.from({ length: r.graphEvents }, () => ({ topic: 'blast-radius-prediction' as const }))),
            1,
          );
          writes.push(recorded);
        }
      }
      if (caller && d.outOfScope) {
        const total = await deps.state.addDeviation(caller.id);
        log.warn({ agent: caller.id, service: p.service, kind: p.kind, deviations: total }, 'agent acted outside its declared scope');
        writes.push(audit([{ type: 'drift.alarm', actor: caller.id, actionId: id, data: { service: p.service, kind: p.kind, deviations: total } }]));
      }
      // The entries are chained and signed, the events handed to the pipeline: the verdict is
      // answered now, and the action becomes known once all of it is durable.
      keepWriting(id, writes, caller ? record : null);
      return ok({ record, blastRadius: br.blastRadius });
    },

    async approve(caller, actionId, note) {
      const who = needs(caller, CAN.approve, 'approve actions');
      if (!who.ok) return who;
      await durable(actionId);
      const record = await deps.state.action(actionId);
      if (!record) return err('NOT_FOUND', `no action ${actionId}`);
      if (record.proposer.id === who.value.id) return err('FORBIDDEN', 'nobody may approve their own action');
      if (record.status !== 'PENDING_APPROVAL') return err('CONFLICT', `action ${actionId} is ${record.status}, not waiting for approval`);
      const { added, approvals } = await deps.state.addApproval(actionId, { approver: who.value.id, role: who.value.role, at: now(), note });
      if (!added) return err('CONFLICT', `${who.value.id} already approved action ${actionId}`);
      await Promise.all([
        audit([{ type: 'action.approved', actor: who.value.id, actionId, data: { role: who.value.role, note, approvals: approvals.length, required: record.approvalsRequired } }]),
        emit(who.value, 'action.approved', actionId, { action: actionId, approver: who.value.id, ...(note ? { note } : {}) }),
      ]);
      const human = approvals.some((a) => a.role !== 'agent');
      if (approvals.length >= record.approvalsRequired && (!record.humanApprovalRequired || human)) {
        const moved = await move(record, ['PENDING_APPROVAL'], { ...record, status: 'ALLOWED' });
        // A parallel approval may have completed the quorum first: the action is allowed either way.
        if (!moved.ok) return view(actionId);
        return moved;
      }
      return ok({ record, approvals });
    },

    async execute(caller, actionId) {
      if (caller === null) return err('UNAUTHENTICATED', 'executing needs an API token');
      await durable(actionId);
      const record = await deps.state.action(actionId);
      if (!record) return err('NOT_FOUND', `no action ${actionId}`);
      if (record.proposer.id !== caller.id) return err('FORBIDDEN', 'only the proposer executes an action');
      if (record.status !== 'ALLOWED') return err('CONFLICT', `action ${actionId} is ${record.status}, not ALLOWED`);
      const at = now();
      if (at > record.proposedAt + deps.policy.current().actionTtlSeconds * 1000) return err('CONFLICT', `action ${actionId} expired; propose it again`);
      const kill = (await deps.state.kills()).find((k) => ['global', `service:${record.proposal.service}`, `agent:${caller.id}`].includes(killKey(k.scope)));
      if (kill) return err('FORBIDDEN', `paused by ${kill.by} (${killKey(kill.scope)}): ${kill.reason}`);
      const moved = await move(record, ['ALLOWED'], { ...record, status: 'EXECUTED', executedAt: at });
      if (!moved.ok) return moved;
      await Promise.all([
        audit([{ type: 'action.executed', actor: caller.id, actionId, data: { service: record.proposal.service, kind: record.proposal.kind } }]),
        emit(caller, 'action.executed', actionId, { action: actionId, service: record.proposal.service, kind: record.proposal.kind }),
        finish(caller, moved.value.record, 'executed', null),
        deps.policy.current().health.watchSeconds > 0 ? deps.state.watchExecuted(actionId, at) : Promise.resolve(),
      ]);
      return moved;
    },

    async reportHealth(caller, actionId, healthy, detail) {
      if (caller === null) return err('UNAUTHENTICATED', 'reporting health needs an API token');
      const record = await deps.state.action(actionId);
      if (!record) return err('NOT_FOUND', `no action ${actionId}`);
      if (!TERMINAL_HEALTH.includes(record.status)) return err('CONFLICT', `action ${actionId} is ${record.status}, not EXECUTED`);
      let ok2 = healthy;
      let why = detail;
      if (ok2 === null) {
        const alerts = (await failingAlerts(record, now())).filter((a) => a.active);
        ok2 = alerts.length === 0;
        why ??= ok2 ? 'no alerts since execution' : `alerts since execution: ${alerts.map((a) => `${a.id} (${a.signal})`).join(', ')}`;
      }
      return judged(caller, record, ok2, why);
    },

    async watchHealth() {
      const windowMs = deps.policy.current().health.watchSeconds * 1000;
      const marked: ActionView[] = [];
      for (const id of await deps.state.executedWatched()) {
        const record = await deps.state.action(id);
        const executedAt = record?.executedAt ?? null;
        if (!record || record.status !== 'EXECUTED' || executedAt === null) {
          await deps.state.unwatchExecuted(id);
          continue;
        }
        const at = now();
        const alerts = (await failingAlerts(record, at)).filter((a) => a.firedAt <= executedAt + windowMs);
        if (alerts.length > 0) {
          const why = `health watcher: alerts after execution: ${alerts.map((a) => `${a.id} (${a.signal}${a.active ? '' : ', resolved since'})`).join(', ')}`;
          const r = await judged(SYSTEM, record, false, why);
          // A report that landed first decided it: nothing to mark, nothing to watch.
          if (r.ok) marked.push(r.value);
          await deps.state.unwatchExecuted(id);
        } else if (at > executedAt + windowMs) {
          await deps.state.unwatchExecuted(id);
        }
      }
      return marked;
    },

    async reportReverted(caller, actionId, reverted, detail) {
      if (caller === null) return err('UNAUTHENTICATED', 'reporting a revert needs an API token');
      const record = await deps.state.action(actionId);
      if (!record) return err('NOT_FOUND', `no action ${actionId}`);
      if (record.status !== 'REVERT_REQUIRED') return err('CONFLICT', `action ${actionId} is ${record.status}, not REVERT_REQUIRED`);
      const next: ActionRecord = { ...record, status: reverted ? 'REVERTED' : 'FAILED', finishedAt: now(), healthDetail: detail ?? record.healthDetail };
      const moved = await move(record, ['REVERT_REQUIRED'], next);
      if (!moved.ok) return moved;
      await finish(caller, next, reverted ? 'reverted' : 'failed', detail);
      return moved;
    },

    action: view,

    async grant(caller, g) {
      const who = needs(caller, CAN.grant, 'issue grants');
      if (!who.ok) return who;
      const max = deps.policy.current().grants.maxTtlSeconds;
      if (g.ttlSeconds <= 0 || g.ttlSeconds > max) return err('INVALID', `ttlSeconds must be 1..${max}, got ${g.ttlSeconds}`);
      if (g.services.length === 0 || g.kinds.length === 0) return err('INVALID', 'a grant names at least one service and one kind');
      const at = now();
      const grant: Grant = { id: newId(), agent: g.agent, services: g.services, kinds: g.kinds, grantedBy: who.value.id, grantedAt: at, expiresAt: at + g.ttlSeconds * 1000 };
      await Promise.all([deps.state.putGrant(grant), audit([{ type: 'grant.issued', actor: who.value.id, actionId: null, data: { ...grant } }])]);
      return ok(grant);
    },

    async revokeGrant(caller, agent, grantId) {
      const who = needs(caller, CAN.grant, 'revoke grants');
      if (!who.ok) return who;
      const existed = await deps.state.revokeGrant(agent, grantId);
      if (existed) await audit([{ type: 'grant.revoked', actor: who.value.id, actionId: null, data: { agent, grant: grantId } }]);
      return ok(existed);
    },

    grants: (agent) => deps.state.grants(agent),

    async engageKill(caller, scope, reason) {
      const who = needs(caller, CAN.engageKill, 'engage a kill switch');
      if (!who.ok) return who;
      const k: KillSwitch = { scope, by: who.value.id, reason, at: now() };
      await Promise.all([deps.state.setKill(k), audit([{ type: 'kill.engaged', actor: who.value.id, actionId: null, data: { scope: killKey(scope), reason } }])]);
      log.warn({ scope: killKey(scope), by: who.value.id, reason }, 'kill switch engaged');
      return ok(k);
    },

    async liftKill(caller, scope) {
      const who = needs(caller, CAN.liftKill, 'lift a kill switch');
      if (!who.ok) return who;
      const lifted = await deps.state.liftKill(killKey(scope));
      if (lifted) await audit([{ type: 'kill.lifted', actor: who.value.id, actionId: null, data: { scope: killKey(scope) } }]);
      return ok(lifted);
    },

    kills: () => deps.state.kills(),

    async reloadPolicy(caller) {
      const who = needs(caller, CAN.changePolicy, 'change the policy');
      if (!who.ok) return who;
      const r: PolicyLoad = await deps.policy.reload();
      if (!r.ok) return err('INVALID', r.errors.join('; '));
      await audit([{ type: 'policy.loaded', actor: who.value.id, actionId: null, data: JSON.parse(JSON.stringify(r.policy)) as Json }]);
      return ok(r.policy);
    },

    policy: () => deps.policy.current(),
    verifyAudit: async () => {
      // What was answered is checked as it is on disk, not as it will be.
      await flush();
      return deps.verifyAudit();
    },
    flush,
  };
}
