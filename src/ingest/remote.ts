/** A sink that sends validated events to a running ctxgraph over `POST /v1/events`. */
import type { CloudEvent } from '../../schema/events.js';
import type { EventSink } from './file.js';

export function remoteSink(baseUrl: string): EventSink {
  const url = new URL('/v1/events', baseUrl);
  return {
    async store(events: readonly CloudEvent[]) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents-batch+json' },
        body: JSON.stringify(events),
      });
      const body = (await res.json().catch(() => null)) as { accepted?: number; duplicates?: number; errors?: unknown } | null;
      if (!res.ok || typeof body?.accepted !== 'number') {
        throw new Error(`${url.href} answered ${res.status}: ${JSON.stringify(body?.errors ?? body)}`);
      }
      return { accepted: body.accepted, duplicates: body.duplicates ?? 0 };
    },
  };
}
