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
  const s = raw.trim();
  if (s === '') return null;
  try {
    return { value: JSON.parse(s) as unknown, line };
  } catch (e) {
    return { line, message: `not valid JSON: ${(e as Error).message}` };
  }
}

/**
 * Parses every line of `text` (whole lines; the last may lack its newline), numbering them from
 * `firstLine`. Returns the items and problems in line order.
 */
export function parseLines(text: string, firstLine: number): (LineItem | LineProblem)[] {
  const out: (LineItem | LineProblem)[] = [];
  let line = firstLine;
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const item = parseLine(text.slice(start, nl), line++);
    if (item) out.push(item);
    start = nl + 1;
  }
  return out;
}

export const isProblem = (x: LineItem | LineProblem): x is LineProblem => !('value' in x);
