/**
 * UTF-8 text to and from bytes, with a fast path for ASCII, which is what JSON.stringify makes of
 * ctxgraph's events and facts almost always (it escapes control characters; only non-ASCII
 * letters in names or summaries stay multi-byte). ASCII bytes are the same in UTF-8 and Latin-1,
 * and Node copies Latin-1 in and out of one-byte strings several times faster than it transcodes
 * UTF-8 (measured on event frames: 0.5 against 1.1 us per event to decode, 0.04 against 0.4 to encode).
 */
import { isAscii } from 'node:buffer';

/**
 * Node makes a Latin-1 string of about a MiB or more (`EXTERN_APEX`) an external one, whose bytes
 * V8 counts as external memory: the store's thread decodes a frame of that size per batch, and
 * each 64 MiB of them started a full collection. Pieces below this length are heap strings.
 */
const LATIN1_PIECE = 512 * 1024;

/** The text of UTF-8 `bytes[start, end)`; invalid sequences become U+FFFD, as `toString('utf8')` makes them. */
export function utf8Text(bytes: Uint8Array, start = 0, end = bytes.byteLength): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  if (!isAscii(b)) return b.toString('utf8');
  if (b.length <= LATIN1_PIECE) return b.toString('latin1');
  // Joined in the heap: JSON.parse flattens the joined string there, once.
  let text = '';
  for (let at = 0; at < b.length; at += LATIN1_PIECE) text += b.toString('latin1', at, Math.min(b.length, at + LATIN1_PIECE));
  return text;
}

/** Writes `text` as UTF-8 at `at` in `out`; `length` is its UTF-8 length (`Buffer.byteLength`). */
export function writeUtf8(out: Buffer, text: string, at: number, length: number): void {
  // As many bytes as characters: every character is ASCII.
  out.write(text, at, length, length === text.length ? 'latin1' : 'utf8');
}

/** `text` as UTF-8 bytes, in a buffer of their own (never a pooled slice). */
export function utf8Bytes(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafeSlow(length);
  writeUtf8(out, text, 0, length);
  return out;
}
