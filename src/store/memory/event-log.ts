// STUB: replaced by the persistence implementation (append-only, checksummed, fsynced log).
import type { CloudEvent } from '../../../schema/events.js';
import type { Logger } from '../../logger.js';

/** Where a record starts or ends: a segment number and a byte offset in it. */
export interface LogPosition {
  segment: number;
  offset: number;
}

/** One appended batch: one log record. */
export interface LoggedBatch {
  recordedAt: number;
  events: CloudEvent[];
}

export interface EventLog {
  /** Appends one batch as one checksummed record; resolves after fsync. Callers serialize calls. */
  append(batch: LoggedBatch): Promise<LogPosition>;
  /** The position just after the last record. */
  position(): LogPosition;
  close(): Promise<void>;
}

export interface OpenLogResult {
  log: EventLog;
  replayedBatches: number;
  /** Set when a torn record at the tail was found and cut off. */
  droppedTail: { segment: number; offset: number; bytes: number } | null;
}

export interface OpenLogOptions {
  /** Replay only records after this position (the snapshot's). */
  from?: LogPosition;
  /** Called for each replayed record, in log order. */
  onBatch: (batch: LoggedBatch) => void;
  segmentBytes?: number;
  logger?: Logger;
}

export function openEventLog(_dir: string, _options: OpenLogOptions): Promise<OpenLogResult> {
  return Promise.reject(new Error('event log not implemented yet'));
}
