/**
 * Builds CloudEvents the way producers write them, with ids that are unique and deterministic: the
 * n-th event a factory makes always gets the same id.
 */
import type { z } from 'zod';
import type { CloudEventInput, EVENT_DATA, EventType } from '../schema/events.js';

export type DataOf<T extends EventType> = z.input<(typeof EVENT_DATA)[T]>;

export interface Actor {
  actor: string;
  actortype: 'human' | 'agent' | 'system';
  actormodel?: string;
}

export class EventFactory {
  private seq = 0;

  /** `prefix` keeps ids from two factories apart when their events are mixed. */
  constructor(private readonly prefix = 'evt') {}

  get count(): number {
    return this.seq;
  }

  make<T extends EventType>(type: T, ms: number, source: string, data: DataOf<T>, subject?: string, actor?: Actor): CloudEventInput {
    this.seq++;
    return {
      specversion: '1.0',
      id: `${this.prefix}-${this.seq}`,
      source,
      type,
      time: new Date(ms).toISOString(),
      ...(subject === undefined ? {} : { subject }),
      ...actor,
      data,
    } as CloudEventInput;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
