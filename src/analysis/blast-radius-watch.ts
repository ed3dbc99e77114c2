/**
 * Tells cached answers about the graph at "now" when they went stale, through the read port alone.
 * The store's event count moves on every append, but most appends (alerts, agent actions) leave the
 * topology alone; a cache keyed on the count would be emptied by every proposal, since each one
 * writes action events. So when the count moved, the watch reads the changes recorded since it
 * last looked and bumps the generation of each fact kind they touch.
 *
 * It stays exact: the new events must account for the whole move of the count (else an event
 * arrived with a valid time before the window, or an append landed mid-check), and otherwise every
 * kind's generation is bumped. Facts valid from a future instant bump their kind once that instant
 * passes.
 *
 * Events this process appends itself (the control layer's action events and blast-radius
 * predictions, one set per proposal) are announced to the watch as they are appended
 * (`appending`). A check that finds the count moved by exactly our own landed events bumps their
 * topics without reading the changes: a proposal no longer pays for reading every event of the
 * last 15 s. The count still decides: an event from anywhere else makes it read the changes as
 * before (after waiting, once, for our own appends in flight when they could explain the move).
 * Either way the look counts as the last one: a read covers the 15 s before the last look, not
 * everything since the last read.
 *
 * @example
 * const watch = createGraphWatch(store);
 * const key = await watch.generation(['service', 'dependency'], Date.now()); // same key: same topology
 */
import { END_OF_TIME } from '../model/time.js';
import type { Change, GraphReader } from '../store/graph-store.js';

/**
 * What a change is about: its fact kind, except the blast-radius predictions the control layer
 * records with every proposal, kept apart so that they do not stand for every prediction.
 */
export type Topic = Change['kind'] | 'blast-radius-prediction';

const topicOf = (c: Change): Topic => (c.kind === 'prediction' && c.attrs.kind === 'blast-radius' ? 'blast-radius-prediction' : c.kind);

/**
 * How far before the previous check a new event's valid time may lie and still be placed. Later
 * than that (a producer minutes behind), the watch cannot tell what changed and moves every
 * generation: safe, but it empties the caches. Each check reads the changes over this window, so a
 * wider one costs every proposal more while events stream in.
 */
const SLACK_MS = 15_000;

/** One of our own events, once it landed: the kind it touches and its valid time. */
export interface OwnEvent {
  topic: Topic;
  at: number;
}

export interface GraphWatch {
  /** A key that changes whenever the graph at `now` may differ in any of these topics. */
  generation(topics: readonly Topic[], now: number): Promise<string>;
  /**
   * Tells the watch of an append this process started (call it before anything else can run, so
   * before the append can land): `write` resolves with each event it added (at most `atMost`),
   * once the store counts them. Each must have been new to the store (a fresh id), so that it moved
   * the event count by one; the watch relies on that to tell our own events from those appended
   * elsewhere.
   */
  appending(write: Promise<readonly OwnEvent[]>, atMost: number): void;
}

export function createGraphWatch(reader: Pick<GraphReader, 'stats' | 'changes'>): GraphWatch {
  const gen = new Map<Topic, number>();
  /** Moves when the watch cannot tell what changed: every key changes with it. */
  let all = 0;
  /**
   * What the watch knows for certain: the event count at the last read of the changes and the
   * events that read found (`keys`); when it last looked (a read, or a check that found nothing but
   * our own events); and our own events accounted for without a read since: how many, and the valid
   * times of those that a read from `at - SLACK_MS` could still find (oldest first).
   */
  let last: { events: number; at: number; keys: Set<string>; own: number; ownTimes: number[] } | null = null;
  /** Our own events landed since the last check. */
  let announced: OwnEvent[] = [];
  /** Our own appends not yet settled, and how many events each may add. */
  const inFlight = new Set<{ write: Promise<unknown>; atMost: number }>();
  /** Future-dated facts not yet valid, by the kind they change once they are. */
  let pendingFuture: { at: number; topic: Topic }[] = [];
  let checking: Promise<void> | null = null;
  let queued: Promise<void> | null = null;

  const bump = (t: Topic): void => {
    gen.set(t, (gen.get(t) ?? 0) + 1);
  };

  async function check(now: number): Promise<void> {
    let mine: OwnEvent[] = [];
    let before = 0;
    for (let waited = false; last; waited = true) {
      // Taken before the count: every event announced by now is in the count read below.
      mine = mine.concat(announced);
      announced = [];
      const pending = [...inFlight];
      before = (await reader.stats()).events;
      const unexplained = before - last.events - last.own - mine.length;
      if (unexplained === 0) {
        // Nothing but our own events moved the count: their topics are all that changed.
        for (const t of new Set(mine.map((e) => e.topic))) bump(t);
        last.own += mine.length;
        last.at = Math.max(last.at, now);
        const times = last.ownTimes;
        for (const e of mine) times.push(e.at);
        // What a later read from `at - SLACK_MS` cannot meet need not be remembered.
        let drop = 0;
        while (drop < times.length && (times[drop] as number) < last.at - SLACK_MS) drop++;
        if (drop > 0) times.splice(0, drop);
        return;
      }
      // Our own appends that landed but are not yet announced may explain the rest: wait for them
      // (they have landed, so this costs no sync), once, and count again.
      const atMost = pending.reduce((n, w) => n + w.atMost, 0);
      if (waited || unexplained < 0 || unexplained > atMost) break;
      await Promise.allSettled(pending.map((w) => w.write));
    }
    if (!last) before = (await reader.stats()).events;
    await readChanges(now, before);
  }

  /** Reads the changes since the last look and bumps the topics of the new ones. */
  async function readChanges(now: number, before: number): Promise<void> {
    const from = (last?.at ?? now) - SLACK_MS;
    const changes = await reader.changes(from, END_OF_TIME, END_OF_TIME);
    const after = (await reader.stats()).events;
    const keys = new Set<string>();
    const touched = new Set<Topic>();
    let fresh = 0;
    for (const c of changes) {
      const key = `${c.source}\u001f${c.eventId}`;
      const isNew = last !== null && !last.keys.has(key);
      if (!keys.has(key)) {
        keys.add(key);
        if (isNew) fresh++;
      }
      if (isNew) touched.add(topicOf(c));
      if (c.at > now && !last?.keys.has(key)) pendingFuture.push({ at: c.at, topic: topicOf(c) });
    }
    // Our own events accounted for since the last read are not among its keys: those in this
    // window are found again as new. Every other event counted since must be found too.
    const ownFound = last ? last.ownTimes.filter((t) => t >= from).length : 0;
    if (last === null || after !== before || fresh !== before - last.events - last.own + ownFound) all++;
    else for (const t of touched) bump(t);
    last = after === before ? { events: before, at: now, keys, own: 0, ownTimes: [] } : null;
  }

  const start = (now: number): Promise<void> =>
    (checking = check(now).finally(() => {
      checking = null;
    }));

  /**
   * A check that began after the caller arrived. One already running may have missed what was
   * appended just before the call, so callers arriving meanwhile all share the one queued behind
   * it: a burst of concurrent proposals costs two checks, not one each.
   */
  function fresh(now: number): Promise<void> {
    if (!checking) return start(now);
    queued ??= checking
      .catch(() => undefined)
      .then(() => {
        queued = null;
        // One started since began after these callers arrived: it will do, and two must never overlap.
        return checking ?? start(now);
      });
    return queued;
  }

  return {
    async generation(topics, now) {
      await fresh(now);
      if (pendingFuture.some((f) => f.at <= now)) {
        for (const f of pendingFuture) if (f.at <= now) bump(f.topic);
        pendingFuture = pendingFuture.filter((f) => f.at > now);
      }
      return [all, ...topics.map((t) => gen.get(t) ?? 0)].join('.');
    },
    appending(write, atMost) {
      const w = { write, atMost };
      inFlight.add(w);
      write.then(
        (events) => {
          inFlight.delete(w);
          announced.push(...events);
        },
        () => inFlight.delete(w),
      );
    },
  };
}
