/** Durations in epoch milliseconds, as every trust rule counts time. */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
