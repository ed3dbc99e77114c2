/**
 * How validation problems are worded for people, wherever zod checks an external input (events,
 * the policy file, the tokens file).
 */
import type { z } from 'zod';

/**
 * Zod's words, but for a missing field: "required (string)" says what to add, where "expected
 * string, received undefined" reads like a value of the wrong type. Undefined keeps zod's message.
 * Pass as a parse's `error`: `Schema.safeParse(input, { error: missingIsRequired })`.
 */
export function missingIsRequired(iss: z.core.$ZodRawIssue): string | undefined {
  return iss.code === 'invalid_type' && iss.input === undefined ? `required (${iss.expected})` : undefined;
}
