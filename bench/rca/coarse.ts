/**
 * Re-observes a generated scenario the way a metrics pipeline with coarse buckets and short
 * recordings sees it (PetShop: 5-minute buckets over windows of about 25 minutes): every alert
 * time falls to the start of its bucket, or of the next one when the failure began late in its
 * bucket (averaging hides it; so two onsets in adjacent buckets may show in either order), and each incident is observed only through a window that
 * opens one or two buckets before its fault's first alert and closes, with the incident opened,
 * one bucket after its symptom. Changes keep their recorded times (a deploy or config change is
 * logged, not sampled), so a change can lie a few minutes before the window opens.
 *
 * What a window cannot see is gone: an alert that fired before it opened (still firing or not) has
 * no observed onset; an alert outside every window was never recorded. Red-herring alerts are kept
 * where they fell inside the window, not moved into it: noise as dense as in the exact scenarios,
 * not denser (a traffic bump moved next to the failure would wake every idle change on the path).
 * The red-herring changes (unrelated, innocent on the path) are all kept.
 */
import type { CloudEventInput } from '../../schema/events.js';
import { createRandom } from '../random.js';
import type { Scenario } from './generate.js';

const MIN = 60_000;

export interface CoarseOptions {
  bucketMs: number;
  /** Shortest observation window. */
  windowMs: number;
}

export const COARSE: CoarseOptions = { bucketMs: 5 * MIN, windowMs: 25 * MIN };

interface Window {
  start: number;
  end: number;
}

export function coarsen(scenario: Scenario, seed: number, opts: CoarseOptions = COARSE): Scenario {
  const r = createRandom(seed);
  const B = opts.bucketMs;
  const floor = (t: number): number => Math.floor(t / B) * B;
  const fired = new Map<string, number>();
  const resolved = new Map<string, number>();
  for (const e of scenario.events) {
    const id = (e.data as { alert?: unknown }).alert;
    if (typeof id !== 'string') continue;
    if (e.type === 'alert.fired') fired.set(id, Date.parse(e.time));
    if (e.type === 'alert.resolved') resolved.set(id, Date.parse(e.time));
  }
  // New fired / resolved times per alert; an alert absent here is dropped.
  const moved = new Map<string, { fired: number; resolved: number | null }>();
  const windows: Window[] = [];
  const opened = new Map<string, number>();
  const keep = (id: string, at: number): void => {
    // A bucket's value is an average: a failure that began late in a bucket may not move it past the
    // threshold until the next one. It is reported a bucket late with the share of the bucket it missed.
    const f = floor(at) + (r.next() < (at - floor(at)) / B ? B : 0);
    const res = resolved.get(id);
    moved.set(id, { fired: f, resolved: res === undefined ? null : Math.max(f + B, floor(res + (at - (fired.get(id) ?? at)))) });
  };
  for (const ep of scenario.episodes) {
    const faultTimes = ep.fault.map((id) => fired.get(id) as number).filter((t) => t >= ep.faultAt - 30 * MIN);
    const first = Math.min(...faultTimes);
    const start = floor(first) - B * r.int(1, 2);
    const end = Math.max(start + opts.windowMs, floor(ep.symptomAt) + B);
    windows.push({ start, end });
    opened.set(ep.incident, end);
    for (const id of ep.fault) {
      const t = fired.get(id) as number;
      if (t > start && t <= end) keep(id, t);
    }
  }
  // Every other alert (red herrings, background noise) is seen when it fired inside a window, after
  // its first bucket: a detector reports an onset only after a normal sample.
  const faults = new Set(scenario.episodes.flatMap((ep) => ep.fault));
  for (const [id, t] of fired) {
    if (faults.has(id)) continue;
    if (windows.some((w) => t >= w.start + B && t <= w.end)) keep(id, t);
  }
  const iso = (t: number): string => new Date(t).toISOString();
  const events: CloudEventInput[] = [];
  for (const e of scenario.events) {
    const data = e.data as { alert?: unknown; incident?: unknown };
    if (typeof data.alert === 'string' && (e.type === 'alert.fired' || e.type === 'alert.resolved')) {
      const m = moved.get(data.alert);
      if (!m) continue;
      const at = e.type === 'alert.fired' ? m.fired : m.resolved;
      if (at !== null) events.push({ ...e, time: iso(at) });
      continue;
    }
    if (e.type === 'incident.opened' && typeof data.incident === 'string' && opened.has(data.incident)) {
      events.push({ ...e, time: iso(opened.get(data.incident) as number) });
      continue;
    }
    events.push(e);
  }
  return { ...scenario, events, resolutionMs: B };
}
