/**
 * A prepared batch's log record takes the producer's lines as they are where it can: copied in one
 * piece when they follow one another, one by one when not. Either way the record reads back as the
 * events, each line's bytes kept.
 */
import { describe, expect, it } from 'vitest';
import { type CloudEvent, parseEvent } from '../../schema/events.js';
import { RECORD_HEADER_BYTES } from '../../src/store/memory/event-log.js';
import { prepareBatch, type SourceLines } from '../../src/store/memory/prepared-batch.js';
import { createEvents } from '../support/events.js';

const ev = createEvents();
const T = Date.parse('2026-03-02T10:00:00Z');
const events: CloudEvent[] = ['web', 'api', 'db'].map((service) => (parseEvent(ev.serviceUpserted('2026-03-02T09:00:00Z', { service })) as { ok: true; event: CloudEvent }).event);

/** `texts` laid out with `gaps[i]` before text i, and the spans of the texts. */
function layout(texts: readonly string[], gaps: readonly string[]): SourceLines {
  let all = '';
  const from: number[] = [];
  const to: number[] = [];
  texts.forEach((t, i) => {
    all += gaps[i] ?? '';
    from.push(all.length);
    all += t;
    to.push(all.length);
  });
  return { bytes: Buffer.from(`${all}\n`, 'latin1'), from, to };
}

const payload = (record: Uint8Array): string => Buffer.from(record).subarray(RECORD_HEADER_BYTES).toString('utf8');

describe('prepareBatch: the log record', () => {
  // Spaces inside the lines, which the producer wrote and validation does not see.
  const texts = events.map((e) => JSON.stringify(e).replace('{', '{ '));
  const expected = (lines: readonly string[]): string => `{"recordedAt":${T},"events":[${lines.join(',')}]}`;

  it('takes lines that follow one another, newline after newline, in one piece, commas for the newlines', () => {
    const record = payload(prepareBatch(events, T, layout(texts, ['', '\n', '\n'])).record);
    expect(record).toBe(expected(texts));
    expect(JSON.parse(record)).toEqual({ recordedAt: T, events });
  });

  it('takes lines one by one across blank lines and CRLF endings, and writes again an event validation changed', () => {
    for (const gaps of [['', '\n\n', '\n'], ['', '\r\n', '  \n'], ['\n', '\n', '\n']]) {
      expect(payload(prepareBatch(events, T, layout(texts, gaps)).record)).toBe(expected(texts));
    }
    const lines = layout(texts, ['', '\n', '\n']);
    const rewritten = { ...lines, from: [lines.from[0] as number, -1, lines.from[2] as number] };
    expect(payload(prepareBatch(events, T, rewritten).record)).toBe(expected([texts[0] as string, JSON.stringify(events[1]), texts[2] as string]));
  });
});
