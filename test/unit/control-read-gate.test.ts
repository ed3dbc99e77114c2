/**
 * Anonymous reads follow CTXGRAPH_ANONYMOUS_READ for every query, not only the control fields: a
 * server that closes them answers no graph, service, neighbourhood, change or root cause to a caller
 * without a valid token, while introspection and `whoami` stay open and mutations answer for themselves.
 */
import { describe, expect, it } from 'vitest';
import { createGraphQL } from '../../src/api/graphql.js';
import { createAuthenticator } from '../../src/control/identities.js';
import { createMemorySharedState } from '../../src/control/shared-state/memory.js';
import { silentLogger } from '../../src/logger.js';
import { iso, T0 } from './control-fixtures.js';
import { harness } from './control-harness.js';

const TOKEN = 'tok-human-ann-0123456789';
const at = iso(T0 + 3_600_000);
const READS: Record<string, string> = {
  graphAt: `{ graphAt(at: "${at}") { services { id } } }`,
  service: `{ service(id: "db", at: "${at}") { service { id } } }`,
  neighbourhood: `{ neighbourhood(service: "db", at: "${at}", depth: 1) { services { service { id } } } }`,
  changes: `{ changes(from: "${iso(T0 - 1)}", to: "${at}") { type } }`,
  rootCause: `{ rootCause(incident: "nope") { candidates { rank } } }`,
  blastRadius: `{ blastRadius(action: { kind: DEPLOY, service: "db" }) { trafficShare } }`,
  'a fragment': `query { ...G } fragment G on Query { graphAt(at: "${at}") { services { id } } }`,
};

async function server(anonymousRead: boolean) {
  const h = await harness(createMemorySharedState());
  const yoga = createGraphQL({
    reader: h.store,
    logger: silentLogger,
    control: { service: h.control, authenticator: createAuthenticator([{ token: TOKEN, id: 'ann', role: 'human' }]), anonymousRead },
  });
  return async (query: string, token?: string) => {
    const res = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
  };
}

const refused = (r: { data?: unknown; errors?: { extensions?: { code?: string } }[] }): boolean =>
  r.data == null && r.errors?.length === 1 && r.errors[0]?.extensions?.code === 'UNAUTHENTICATED';

describe('anonymous reads', () => {
  it('are refused for every query when the config closes them, and answered with a token', async () => {
    const gql = await server(false);
    for (const [name, query] of Object.entries(READS)) {
      expect(refused(await gql(query)), `${name} without a token`).toBe(true);
      expect(refused(await gql(query, 'tok-nobody-knows-this-0123')), `${name} with an unknown token`).toBe(true);
      expect(refused(await gql(query, TOKEN)), `${name} with a token`).toBe(false);
    }
    const answer = (await gql(READS.graphAt as string, TOKEN)).data as { graphAt: { services: { id: string }[] } };
    expect(answer.graphAt.services.map((s) => s.id)).toContain('db');
  });

  it('leave introspection, whoami and mutations to themselves', async () => {
    const gql = await server(false);
    expect((await gql('{ __schema { queryType { name } } }')).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await gql('{ whoami { id } }')).data).toEqual({ whoami: null });
    const p = await gql('mutation { proposeAction(input: { kind: RESTART, service: "db", justification: "x" }) { ... on ActionDecision { verdict } } }');
    expect(p.data).toEqual({ proposeAction: { verdict: 'DENY' } });
  });

  it('are answered when the config opens them, but never with an unknown token', async () => {
    const gql = await server(true);
    for (const [name, query] of Object.entries(READS)) expect(refused(await gql(query)), name).toBe(false);
    expect(refused(await gql(READS.graphAt as string, 'tok-nobody-knows-this-0123'))).toBe(true);
  });
});
