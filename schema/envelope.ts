/**
 * The CloudEvents envelope (JSON structured mode) around one event of a family whose data schemas
 * are `Data` (`ACTION_EVENT_DATA`, `TRUST_EVENT_DATA`): what the control and trust layers build
 * before handing an event to the pipeline, typed by its `type`.
 */
import type { z } from 'zod';

export interface Enveloped<Data extends Record<string, z.ZodType>, T extends keyof Data> {
  specversion: '1.0';
  id: string;
  source: string;
  type: T;
  time: string;
  subject: string;
  actor?: string;
  actortype?: 'human' | 'agent' | 'system';
  actormodel?: string;
  data: z.input<Data[T]>;
}
