// STUB: replaced by the persistence implementation (checksummed, atomically renamed snapshots).
import type { Fact } from '../../model/facts.js';
import type { LogPosition } from './event-log.js';

export interface SnapshotContent {
  /** The log position the snapshot covers: replay starts after it. */
  position: LogPosition;
  createdAt: number;
  /** Every stored event as [key, its facts]. */
  events: [string, Fact[]][];
}

export function writeSnapshot(_dir: string, _content: SnapshotContent): Promise<void> {
  return Promise.reject(new Error('snapshots not implemented yet'));
}

/** The newest snapshot whose checksum holds, or null when there is none. */
export function readLatestSnapshot(_dir: string): Promise<SnapshotContent | null> {
  return Promise.resolve(null);
}
