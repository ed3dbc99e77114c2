/**
 * NDJSON lines: what the file door does with one line, on its own thread or in a worker. Blank
 * lines are skipped but counted, so reported line numbers match what an editor shows.
 */

/** A parsed line: its value and its 1-based line number in the file. */
export interface LineItem {
  value: unknown;
  line: number;
}

/** A line that is not JSON. */
export interface LineProblem {
  line: number;
  message: string;
}

/** Parses one line; null for a blank one. Surrounding whitespace, CR and a byte-order mark are ignored. */
export function parseLine(raw: string, line: number): LineItem | LineProblem | null {
  return parseTrimmed(raw.trim(), line);
}

function parseTrimmed(s: string, line: number): LineItem | LineProblem | null {
  if (s === '') return null;
  try {
    return { value: JSON.parse(s) as unknown, line };
  } catch (e) {
    return { line, message: `not valid JSON: ${(e as Error).message}` };
  }
}

/** A parsed line of a chunk, with where its JSON text is in the chunk's text (surrounding whitespace left out). */
export interface SpannedItem extends LineItem {
  from: number;
  to: number;
}

/**
 * Parses every line of `text` (whole lines; the last may lack its newline), numbering them from
 * `firstLine`. Returns the items and problems in line order.
 */
export function parseLines(text: string, firstLine: number): (SpannedItem | LineProblem)[] {
  const out: (SpannedItem | LineProblem)[] = [];
  let line = firstLine;
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const raw = text.slice(start, nl);
    const trimmed = raw.trim();
    const item = parseTrimmed(trimmed, line++);
    if (item && 'value' in item) {
      // The trimmed text starts at the line's first non-blank character.
      const from = start + raw.indexOf(trimmed);
      out.push({ value: item.value, line: item.line, from, to: from + trimmed.length });
    } else if (item) out.push(item);
    start = nl + 1;
  }
  return out;
}

export const isProblem = (x: LineItem | LineProblem): x is LineProblem => !('value' in x);
