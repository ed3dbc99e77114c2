/** What a client of a running ctxgraph does over HTTP: send events, read the graph. */

export interface EventsAnswer {
  status: number;
  body: unknown;
}

export async function postEvents(baseUrl: string, events: readonly unknown[]): Promise<EventsAnswer> {
  const res = await fetch(`${baseUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify(events),
  });
  return { status: res.status, body: await res.json() };
}

export interface GraphAt {
  services: { id: string; name: string | null }[];
  dependencies: { from: string; to: string; critical: boolean }[];
}

/** `graphAt(at)` over /graphql; throws with the answer when GraphQL reports errors. */
export async function graphAt(baseUrl: string, at: string): Promise<GraphAt> {
  const query = 'query ($at: DateTime!) { graphAt(at: $at) { services { id name } dependencies { from to critical } } }';
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables: { at } }),
  });
  const body = (await res.json()) as { data?: { graphAt: GraphAt } | null; errors?: unknown };
  if (!body.data) throw new Error(`graphAt answered ${res.status}: ${JSON.stringify(body)}`);
  return body.data.graphAt;
}
