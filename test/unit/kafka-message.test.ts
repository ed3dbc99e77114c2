import { describe, expect, it } from 'vitest';
import { decodeMessage, nextOffset } from '../../ingestors/kafka-message.js';
import { createEvents } from '../support/events.js';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('decoding a Kafka message', () => {
  it('reads one CloudEvent in JSON structured mode, with the same defaults and transforms as every door', () => {
    const sent = createEvents().serviceUpserted('2026-05-01T10:00:00+02:00', { service: 'cart', tags: { team: 'pay' } });
    const d = decodeMessage(json(sent));
    expect(d).toMatchObject({ ok: true, event: { type: 'service.upserted', data: { service: 'cart', tags: ['team=pay'] } } });
  });

  it('names every problem with its path', () => {
    const d = decodeMessage(json({ specversion: '1.0', type: 'deploy.started', time: 'yesterday', data: { service: 'cart' } }));
    expect(d.ok).toBe(false);
    const reason = d.ok ? '' : d.reason;
    for (const path of ['id: ', 'source: ', 'time: ', 'data.deploy: ', 'data.version: ']) expect(reason).toContain(path);
  });

  it('lists the known types when the type is unknown', () => {
    const d = decodeMessage(json({ ...createEvents().serviceRetired('2026-05-01T10:00:00Z', { service: 'cart' }), type: 'service.deleted' }));
    expect(d.ok ? '' : d.reason).toMatch(/^type: unknown event type "service\.deleted"; expected one of .*service\.retired/);
  });

  it('sends an event type that only ctxgraph writes to the dead letters, saying so', () => {
    const forged = { specversion: '1.0', id: 'x-1', source: 'agent', type: 'action.outcome', time: '2026-05-01T10:00:00Z', data: { action: 'a-1', service: 'web', kind: 'RESTART', status: 'succeeded' } };
    const d = decodeMessage(json(forged));
    expect(d).toEqual({ ok: false, reason: 'type: action.outcome is written by ctxgraph itself (control and trust layers) and is not accepted through this door' });
  });

  it('rejects bytes that are not UTF-8 instead of guessing', () => {
    const d = decodeMessage(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(d).toEqual({ ok: false, reason: '(message): value is not valid UTF-8' });
  });

  it('keeps the reason short enough for a header when a message is wildly wrong', () => {
    const d = decodeMessage(json({ specversion: '2.0', type: 'incident.opened', id: '', source: '', time: 'x', data: { services: Array(5000).fill(42) } }));
    expect(d.ok ? 0 : d.reason.length).toBeLessThanOrEqual(2000);
  });
});

describe('the offset to commit', () => {
  it('is the next one, exactly, beyond 2^53', () => {
    expect(nextOffset('41')).toBe('42');
    expect(nextOffset('9007199254740993')).toBe('9007199254740994');
  });
});
