/**
 * What the trust ladder and the readiness gate say about one proposed write: the input the control
 * layer's policy takes as its `trust` primitive. Pure.
 *
 * - humans and admins are not on the ladder: ALLOW;
 * - an agent on read-only or shadow: DENY (it may not write to this service);
 * - supervised write: REQUIRE_APPROVAL (a person signs off each change);
 * - autonomous: ALLOW when the service passes its readiness gate, otherwise REQUIRE_APPROVAL
 *   (autonomous actions are refused on a service that fails the gate).
 *
 * @example
 * const line = trustLine({ role: 'agent', agent: 'fixer', service: 'api', rung: 'shadow', readiness, lastDemotion });
 * line; // { primitive: 'trust', outcome: 'DENY', message: 'fixer is on rung shadow for api: ... (demoted ...: error budget exhausted ...)' }
 */
import type { LadderTransition, Rung } from './ladder.js';
import type { Readiness } from './readiness.js';

export type TrustOutcome = 'ALLOW' | 'REQUIRE_APPROVAL' | 'DENY';

export interface TrustVerdictInput {
  role: 'agent' | 'human' | 'admin';
  agent: string;
  service: string;
  rung: Rung;
  /** The service's readiness gate: only the autonomous rung's line reads it (null: not read). */
  readiness: Readiness | null;
  /** The latest demotion of this agent on this service, to say why it is where it is. */
  lastDemotion: LadderTransition | null;
}

export interface TrustLine {
  primitive: 'trust';
  outcome: TrustOutcome;
  message: string;
  /** Whether the action may run without a person: autonomous and ready. */
  autonomous: boolean;
}

export function trustLine(input: TrustVerdictInput): TrustLine {
  const { agent, service, rung, readiness } = input;
  if (input.role !== 'agent') return { primitive: 'trust', outcome: 'ALLOW', message: `${input.role}s are not on the trust ladder`, autonomous: false };
  const demoted = input.lastDemotion ? ` (demoted from ${input.lastDemotion.from} at ${new Date(input.lastDemotion.at).toISOString()}: ${input.lastDemotion.reason})` : '';
  switch (rung) {
    case 'read-only':
    case 'shadow':
      return { primitive: 'trust', outcome: 'DENY', message: `${agent} is on rung ${rung} for ${service}: it may not write there${demoted}`, autonomous: false };
    case 'supervised-write':
      return { primitive: 'trust', outcome: 'REQUIRE_APPROVAL', message: `${agent} is on rung supervised-write for ${service}: a person approves each change`, autonomous: false };
    case 'autonomous': {
      if (readiness === null) {
        return { primitive: 'trust', outcome: 'REQUIRE_APPROVAL', message: `${agent} is autonomous on ${service}, but ${service}'s readiness gate was not read`, autonomous: false };
      }
      const failing = readiness.conditions.filter((c) => !c.met);
      if (failing.length > 0) {
        return {
          primitive: 'trust',
          outcome: 'REQUIRE_APPROVAL',
          message: `${agent} is autonomous on ${service}, but ${service} fails its readiness gate (${failing.map((c) => `${c.condition}: ${c.reason}`).join('; ')})`,
          autonomous: false,
        };
      }
      return { primitive: 'trust', outcome: 'ALLOW', message: `${agent} is autonomous on ${service}, which passes its readiness gate`, autonomous: true };
    }
  }
}
