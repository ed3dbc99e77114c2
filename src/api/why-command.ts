/**
 * `ctxgraph why INCIDENT` (or `--services A,B [--at T]`): asks a running ctxgraph for the root
 * cause over GraphQL and prints it as text. Exit 0 with an answer, 1 when the server says the
 * question is wrong or cannot be reached.
 */
import { WHY_QUERY, type WhyAnswer, whyReport } from './why-report.js';

export interface WhyOptions {
  url: string;
  incident?: string;
  services?: string[];
  at?: string;
  limit: number;
  /** An API token (CTXGRAPH_TOKEN), for a server that closes anonymous reads. */
  token?: string;
}

interface GraphQLReply {
  data?: { rootCause: WhyAnswer } | null;
  errors?: { message: string }[];
}

export async function runWhy(o: WhyOptions, print: (text: string) => void = console.log, warn: (text: string) => void = console.error): Promise<number> {
  const endpoint = new URL('graphql', o.url.endsWith('/') ? o.url : `${o.url}/`).href;
  const variables = { limit: o.limit, ...(o.incident !== undefined ? { incident: o.incident } : { services: o.services, ...(o.at !== undefined ? { at: o.at } : {}) }) };
  let reply: GraphQLReply;
  try {
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...(o.token !== undefined ? { authorization: `Bearer ${o.token}` } : {}) }, body: JSON.stringify({ query: WHY_QUERY, variables }) });
    reply = (await res.json()) as GraphQLReply;
  } catch (e) {
    warn(`ctxgraph why: cannot ask ${endpoint}: ${(e as Error).message}`);
    return 1;
  }
  const answer = reply.data?.rootCause;
  if (!answer) {
    warn(`ctxgraph why: ${(reply.errors ?? [{ message: 'no answer' }]).map((e) => e.message).join('; ')}`);
    return 1;
  }
  print(whyReport(answer));
  return 0;
}
