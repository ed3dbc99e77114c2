import { describe, expect, it } from 'vitest';
import { utf8Bytes, utf8Text, writeUtf8 } from '../../src/store/memory/utf8.js';

describe('UTF-8 text and bytes (log records, snapshot frames, file chunks)', () => {
  const texts = ['{"id":"evt-1","summary":"p99 latency 300ms"}', 'caf\u00e9 \u2192 \u{1F680} \u0000\u001f', ''];

  it('gives the same bytes and text as Buffer does, ASCII or not', () => {
    for (const text of texts) {
      const bytes = utf8Bytes(text);
      expect(bytes.equals(Buffer.from(text, 'utf8'))).toBe(true);
      expect(utf8Text(bytes)).toBe(text);
      expect(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength).toBe(true);
    }
  });

  it('reads part of the bytes, and writes at an offset', () => {
    const text = 'na\u00efve';
    const length = Buffer.byteLength(text);
    const out = Buffer.alloc(length + 3);
    writeUtf8(out, text, 3, length);
    expect(utf8Text(out, 3)).toBe(text);
    expect(utf8Text(out, 3, 5)).toBe('na');
  });

  it('reads text of several MiB whole, ASCII or not, from any offset', () => {
    const ascii = `[${Array.from({ length: 60_000 }, (_, i) => `{"id":"evt-${i}","summary":"p99 latency ${i}ms"}`).join(',')}]`;
    for (const text of [ascii, `${ascii}é`]) {
      const bytes = Buffer.from(`xx${text}`, 'utf8');
      expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
      expect(utf8Text(bytes, 2)).toBe(text);
      expect(utf8Text(bytes, 2, 2 + 600_000)).toBe(text.slice(0, 600_000));
    }
  });

  it('turns invalid sequences into U+FFFD, as toString does', () => {
    const bad = Uint8Array.from([0x7b, 0xff, 0xc3, 0x7d]);
    expect(utf8Text(bad)).toBe(Buffer.from(bad).toString('utf8'));
  });
});
