/**
 * The HTTP side of the benchmark: NDJSON bodies cut from the generated file before the clock
 * starts, posted over a few keep-alive connections.
 */
import { createReadStream } from 'node:fs';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';

export interface Bodies {
  /** The first `singles` events, one JSON text each. */
  singles: string[];
  /** The rest, `batchSize` lines per NDJSON body. */
  batches: string[];
  batchEvents: number;
}

export async function cutBodies(file: string, singles: number, batchSize: number): Promise<Bodies> {
  const out: Bodies = { singles: [], batches: [], batchEvents: 0 };
  let buf: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line === '') continue;
    if (out.singles.length < singles) {
      out.singles.push(line);
      continue;
    }
    buf.push(line);
    out.batchEvents++;
    if (buf.length === batchSize) {
      out.batches.push(buf.join('\n'));
      buf = [];
    }
  }
  if (buf.length > 0) out.batches.push(buf.join('\n'));
  return out;
}

export interface Poster {
  post(path: string, body: string, contentType: string): Promise<{ status: number; body: string }>;
  close(): void;
}

export function poster(port: number, connections: number): Poster {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  return {
    post: (path, body, contentType) =>
      new Promise((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** Posts every body over `connections` workers; returns the events accepted (every answer must be 200). */
export async function postAll(p: Poster, bodies: readonly string[], contentType: string, connections: number): Promise<number> {
  let next = 0;
  let accepted = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as string;
      const res = await p.post('/v1/events', body, contentType);
      if (res.status !== 200) throw new Error(`POST /v1/events answered ${res.status}: ${res.body.slice(0, 500)}`);
      accepted += (JSON.parse(res.body) as { accepted: number }).accepted;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return accepted;
}
