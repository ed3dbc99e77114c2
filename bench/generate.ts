/**
 * The seeded production generator: a topology announced in the first hour, then days of history
 * (deploys, config changes, alerts, dependency changes, retirements, incidents with their root cause
 * and chain). Every event validates with `parseEvent`; the same options give the same events.
 *
 * @example
 * const { topology, events } = generate({ seed: 7, services: 200, dependencies: 800, events: 20_000, days: 7 });
 * for (const e of events) console.log(JSON.stringify(e));
 *
 * From the shell (NDJSON on stdout or into --out):
 *   npx tsx bench/generate.ts --seed 7 --services 200 --dependencies 800 --events 20000 --days 7 --out prod.ndjson
 */
import { createWriteStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { CloudEventInput } from '../schema/events.js';
import type { EpisodeKind } from './episodes.js';
import { DAY, EventFactory, HOUR } from './event-factory.js';
import { historyEvents } from './history.js';
import { createRandom } from './random.js';
import { generateTopology, type Topology, topologyEvents } from './topology.js';

export interface GeneratorOptions {
  seed: number;
  services: number;
  dependencies: number;
  /** Every event, the topology's included; never fewer than the topology needs. */
  events: number;
  /** History spans this many days after the first hour. */
  days: number;
  /** RFC 3339 or epoch ms. Default 2026-03-02T00:00:00Z (a Monday). */
  start?: string | number;
  /** Share of events delivered late. Default 0.01. */
  lateFraction?: number;
  mix?: Partial<Record<EpisodeKind, number>>;
}

export const DEFAULT_START = '2026-03-02T00:00:00Z';

/** Sizes to run at: `full` is the scale the benchmark targets are set for. */
export const SCALES = {
  tiny: { services: 40, dependencies: 120, events: 2_000, days: 3 },
  small: { services: 500, dependencies: 2_500, events: 50_000, days: 7 },
  medium: { services: 2_000, dependencies: 10_000, events: 200_000, days: 14 },
  full: { services: 10_000, dependencies: 50_000, events: 1_000_000, days: 30 },
} as const satisfies Record<string, Omit<GeneratorOptions, 'seed'>>;
export type Scale = keyof typeof SCALES;

const startMs = (start: string | number | undefined): number => {
  const ms = typeof start === 'number' ? start : Date.parse(start ?? DEFAULT_START);
  if (Number.isNaN(ms)) throw new RangeError(`start must be an RFC 3339 timestamp or epoch ms, got ${String(start)}`);
  return ms;
};

/** The topology now, and the events as a lazy stream in arrival order (a million never sit in memory at once). */
export function generate(options: GeneratorOptions): { topology: Topology; events: Generator<CloudEventInput> } {
  if (!(options.days > 0)) throw new RangeError(`days must be above 0, got ${options.days}`);
  const r = createRandom(options.seed);
  const { pools, ...topology } = generateTopology(r, options.services, options.dependencies);
  const start = startMs(options.start);
  const f = new EventFactory();
  const historyCount = Math.max(0, options.events - topology.services.length - topology.dependencies.length);
  function* events(): Generator<CloudEventInput> {
    yield* topologyEvents(topology, f, start, HOUR);
    yield* historyEvents(topology, pools, r, f, {
      from: start + HOUR,
      to: start + HOUR + options.days * DAY,
      events: historyCount,
      ...(options.lateFraction === undefined ? {} : { lateFraction: options.lateFraction }),
      ...(options.mix === undefined ? {} : { mix: options.mix }),
    });
  }
  return { topology, events: events() };
}

/** Everything in memory: for tests and small data sets. */
export function generateProduction(options: GeneratorOptions): { topology: Topology; events: CloudEventInput[] } {
  const { topology, events } = generate(options);
  return { topology, events: [...events] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      scale: { type: 'string', default: 'small' },
      services: { type: 'string' },
      dependencies: { type: 'string' },
      events: { type: 'string' },
      days: { type: 'string' },
      start: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (!(values.scale in SCALES)) throw new RangeError(`--scale must be one of ${Object.keys(SCALES).join(', ')}`);
  const base = SCALES[values.scale as Scale];
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  const { events } = generate({
    seed: Number(values.seed),
    services: num(values.services, base.services),
    dependencies: num(values.dependencies, base.dependencies),
    events: num(values.events, base.events),
    days: num(values.days, base.days),
    ...(values.start === undefined ? {} : { start: values.start }),
  });
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  for (const e of events) {
    if (!out.write(`${JSON.stringify(e)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  if (values.out) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
