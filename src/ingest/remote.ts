/** A sink that sends validated events to a running ctxgraph over `POST /v1/events`. */
import type { CloudEvent } from '../../schema/events.js';
import type { EventSink } from './file.js';

/** The server could not be reached or refused a batch; the message says which server and why. */
export class RemoteSinkError extends Error {
  override readonly name = 'RemoteSinkError';
}

export function remoteSink(baseUrl: string): EventSink {
  const url = new URL('/v1/events', baseUrl);
  return {
    async store(events: readonly CloudEvent[]) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/cloudevents-batch+json' },
          body: JSON.stringify(events),
        });
      } catch (e) {
        // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND) is in its cause.
        const cause = (e as Error).cause as Error | undefined;
        throw new RemoteSinkError(`could not reach ${url.href}: ${cause?.message ?? (e as Error).message}`);
      }
      const body = (await res.json().catch(() => null)) as { accepted?: number; duplicates?: number; errors?: unknown } | null;
      if (!res.ok || typeof body?.accepted !== 'number') {
        throw new RemoteSinkError(`${url.href} answered ${res.status}: ${JSON.stringify(body?.errors ?? body)}`);
      }
      return { accepted: body.accepted, duplicates: body.duplicates ?? 0 };
    },
  };
}
