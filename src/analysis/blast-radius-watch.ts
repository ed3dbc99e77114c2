/**
 * Tells cached answers about the graph at "now" when they went stale, through the read port alone.
 * The store's event count moves on every append, but most appends (alerts, agent actions) leave the
 * topology alone; a cache keyed on the count would be emptied by every proposal, since each one
 * writes action events. So when the count moved, the watch reads the changes recorded since it
 * last read them (by recording time, whatever their valid time: an alert sent minutes after it
 * began firing is placed like any other) and bumps the generation of each fact kind they touch.
 *
 * It stays exact: the new events must account for the whole move of the count (else an append
 * landed mid-check, or a writer's clock lagged the last read's by more than the slack), and
 * otherwise every kind's generation is bumped. Facts valid from a future instant bump their kind
 * once that instant passes.
 *
 * Events this process appends itself (the control layer's action events and blast-radius
 * predictions, one set per proposal) are announced to the watch as they are appended
 * (`appending`). A check that finds the count moved by exactly our own landed events bumps their
 * topics without reading the changes: a proposal does not pay for a read. The count still decides:
 * an event from anywhere else makes it read the changes recorded since the last read (after
 * waiting, once, for our own appends in flight when they could explain the move); our own events
 * since are found in it too, and counted like the rest.
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
 * How far a record may lag the latest recording time the last read saw: another writer's clock
 * (API replicas sharing one store, NTP keeps them within milliseconds), or a batch stamped on a
 * worker thread and indexed a little later. Each read goes back this far before the last one's
 * latest record, and finds again what it already saw there (told apart by key). A record that
 * lags more is not found, and the count check then moves every generation: a cache emptied, never
 * a stale answer. (Valid time no longer matters: until 2026-12-03 the watch read by valid time,
 * with 15 s for producers running behind.)
 */
const SLACK_MS = 2_000;

/** One of our own events, once it landed: the kind it touches. */
export interface OwnEvent {
  topic: Topic;
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

/**
 * After this many of our own events with no read, a look reads anyway, to move its watermark: the
 * read after a long run of our own events alone then finds at most this many again.
 */
const OWN_BETWEEN_READS = 5_000;

export function createGraphWatch(reader: Pick<GraphReader, 'stats' | 'changes' | 'changesRecordedAfter'>, options: { ownBetweenReads?: number } = {}): GraphWatch {
  const ownBetweenReads = options.ownBetweenReads ?? OWN_BETWEEN_READS;
  const gen = new Map<Topic, number>();
  /** Moves when the watch cannot tell what changed: every key changes with it. */
  let all = 0;
  /**
   * What the watch knows for certain: the event count and the latest recording time at the last
   * read of the changes, the events that read found (`keys`), and how many of our own events were
   * accounted for without a read since.
   */
  let last: { events: number; recordedAt: number; keys: Set<string>; own: number } | null = null;
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
    for (let waited = false; last; waited = true) {
      // Taken before the count: every event announced by now is in the count read below.
      mine = mine.concat(announced);
      announced = [];
      const pending = [...inFlight];
      const count = (await reader.stats()).events;
      const unexplained = count - last.events - last.own - mine.length;
      if (unexplained === 0 && last.own + mine.length > ownBetweenReads) break;
      if (unexplained === 0) {
        // Nothing but our own events moved the count: their topics are all that changed.
        for (const t of new Set(mine.map((e) => e.topic))) bump(t);
        last.own += mine.length;
        return;
      }
      // Our own appends that landed but are not yet announced may explain the rest: wait for them
      // (they have landed, so this costs no sync), once, and count again.
      const atMost = pending.reduce((n, w) => n + w.atMost, 0);
      if (waited || unexplained < 0 || unexplained > atMost) break;
      await Promise.allSettled(pending.map((w) => w.write));
    }
    await readChanges(now);
  }

  /** Reads the changes recorded since the last read and bumps the topics of the new ones. */
  async function readChanges(now: number): Promise<void> {
    const before = await reader.stats();
    const changes = await reader.changesRecordedAfter((last?.recordedAt ?? before.lastRecordedAt) - SLACK_MS);
    // A first look has no last read to go on: the future-dated facts recorded before it are read by valid time.
    const future = last === null ? await reader.changes(now + 1, END_OF_TIME, END_OF_TIME) : [];
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
    for (const c of future) pendingFuture.push({ at: c.at, topic: topicOf(c) });
    // Every event counted since the last read, ours included, must be found among the new ones.
    if (last === null || after !== before.events || fresh !== before.events - last.events) all++;
    else for (const t of touched) bump(t);
    last = after === before.events ? { events: before.events, recordedAt: before.lastRecordedAt, keys, own: 0 } : null;
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
