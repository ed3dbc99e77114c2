/**
 * The embedded store's in-memory indexes, shaped for time-sliced traversal: versions per entity
 * sorted by valid time (a look-up at T is a binary search), adjacency per service, and per-service
 * lists of deploys, config and alerts. Inserting is idempotent per fact and order-independent.
 *
 * Memory is what limits an embedded store, so facts live in columns (`FactColumns`) and entities
 * are numbers: an entity's versions are two int slots while it has at most two (most alerts and
 * deploys), a list only past that; links hold entity numbers. Reads go through `EntityVersions`,
 * which answers the model's `Versions` without building a `Fact`.
 */
import type { EventType } from '../../../schema/events.js';
import { FACT_KINDS, type Fact, type FactKind, splitId } from '../../model/facts.js';
import type { Versions } from '../../model/time.js';
import { type Attrs, FactColumns, withRoom } from './fact-columns.js';
import { KeySet } from './key-set.js';
import { StringTable } from './string-table.js';

/** The lists of entities kept per service. */
export type LinkName = 'out' | 'in' | 'deploys' | 'configValues' | 'configChanges' | 'alerts' | 'actions' | 'incidents';
const LINK_NAMES: readonly LinkName[] = ['out', 'in', 'deploys', 'configValues', 'configChanges', 'alerts', 'actions', 'incidents'];
const KIND_NUMBER = new Map<FactKind, number>(FACT_KINDS.map((k, i) => [k, i]));
const NO_ENTITIES: readonly number[] = [];
/** Facts per block of the recording-time index (`recordedUpToBlock`). */
export const RECORDED_BLOCK = 1024;

/** One entity's versions, read in place. Made per read: cheaper than keeping an object per entity. */
export class EntityVersions implements Versions {
  readonly length: number;
  private readonly a: number;
  private readonly b: number;
  private readonly list: readonly number[] | undefined;

  constructor(
    private readonly ix: GraphIndex,
    readonly entity: number,
  ) {
    this.length = ix.versionCount(entity);
    this.a = ix.firstVersion(entity);
    this.b = ix.secondVersion(entity);
    this.list = this.length > 2 ? ix.versionList(entity) : undefined;
  }

  /** The fact number of the i-th version. */
  at(i: number): number {
    return this.list === undefined ? (i === 0 ? this.a : this.b) : (this.list[i] as number);
  }
  validFrom(i: number): number {
    return this.ix.facts.validFrom[this.at(i)] as number;
  }
  recordedAt(i: number): number {
    return this.ix.facts.recordedAt[this.at(i)] as number;
  }
  key(i: number): string {
    return this.ix.facts.key[this.at(i)] as string;
  }
  type(i: number): EventType {
    return this.ix.facts.type(this.at(i));
  }
  attrs(i: number): Attrs {
    return this.ix.facts.attrs[this.at(i)] as Attrs;
  }
  fact(i: number): Fact {
    return this.ix.fact(this.at(i));
  }
}

export class GraphIndex {
  private readonly entityId: string[] = [];
  /** Per kind: entity id -> entity number, and the kind's entities in the order added. */
  readonly entities: Record<FactKind, StringTable> = Object.fromEntries(FACT_KINDS.map((k) => [k, new StringTable(this.entityId)])) as Record<
    FactKind,
    StringTable
  >;
  readonly facts = new FactColumns();
  /**
   * Per block of `RECORDED_BLOCK` facts (by number), the latest recording time in it and every
   * block before it: monotone, so "recorded after t" starts at the first block above t, even where
   * facts were numbered a little out of recording order (batches stamped on worker threads).
   */
  readonly recordedUpToBlock: number[] = [];

  /** The latest recording time of any fact (0 when there is none). */
  get lastRecordedAt(): number {
    return this.recordedUpToBlock.at(-1) ?? 0;
  }
  readonly keys = new KeySet();
  factCount = 0;

  private entityCount = 0;
  private entityKind = new Uint8Array(1024);
  private versionCounts = new Int32Array(1024);
  private first = new Int32Array(1024);
  private second = new Int32Array(1024);
  /** Versions of the entities that have more than two, all of them. */
  private readonly lists = new Map<number, number[]>();
  /** Each entity's number among those of its kind (0, 1, ...): dense, so per-kind data can sit in arrays. */
  private ordinals = new Int32Array(1024);
  /** Per dependency ordinal: [from, to]. */
  private readonly endIds: (readonly [string, string])[] = [];
  /** Per dependency ordinal, two slots: the ordinals of the services at its ends once they exist (-1 until then). */
  private endServices = new Int32Array(2048);
  /** Per kind: told the ordinal of each entity that gains a version. */
  private readonly versionWatchers: ((ordinal: number) => void)[][] = FACT_KINDS.map(() => []);
  private readonly links: Record<LinkName, Map<string, number[]>> = Object.fromEntries(LINK_NAMES.map((n) => [n, new Map<string, number[]>()])) as Record<
    LinkName,
    Map<string, number[]>
  >;
  /** Every fact number by valid time, for change listings over the whole graph. */
  private timelineFacts = new Int32Array(1024);
  private timelineLength = 0;
  private readonly sortedCache = new Map<FactKind, { size: number; order: Int32Array }>();

  /** Records an event's facts, together. The caller has checked that `key` is new. */
  addEvent(key: string, facts: readonly Fact[]): void {
    this.keys.add(key);
    this.addClaimed(key, facts);
  }

  /** Records an event's facts unless its key is known already; false when it was. One look-up of the key where `has` then `addEvent` make two. */
  addNewEvent(key: string, facts: readonly Fact[]): boolean {
    if (!this.claim(key)) return false;
    this.addClaimed(key, facts);
    return true;
  }

  /**
   * Adds `key` to the known keys; false when it was known already. A writer claims an event's key
   * before its record is durable (one look-up decides new or repeat) and adds the facts after, with
   * `addClaimed`; should the write fail, it gives the key back with `release`.
   */
  claim(key: string): boolean {
    return this.keys.add(key);
  }
  release(key: string): void {
    this.keys.delete(key);
  }
  /** Records the facts of an event whose key was claimed. */
  addClaimed(key: string, facts: readonly Fact[]): void {
    // One copy of the key for every fact: the one the facts already share.
    const shared = facts[0]?.key === key ? facts[0].key : key;
    for (const f of facts) this.addFact(f.kind, f.id, f.validFrom, f.recordedAt, f.key === shared ? shared : f.key, f.type, f.attrs);
  }

  /**
   * Records one fact of an event whose key was claimed, given field by field: a decoder hands its
   * values over without building a `Fact` first. `attrs` may be changed in place (shared values).
   */
  addFact(kind: FactKind, id: string, validFrom: number, recordedAt: number, key: string, type: EventType, attrs: Attrs): void {
    const e = this.entity(kind, id);
    const isNew = e < 0;
    const entity = isNew ? this.newEntity(kind, id) : e;
    const at = this.slot(entity, validFrom, key);
    if (at < 0) return;
    const f = this.facts.push(entity, validFrom, recordedAt, key, type, attrs);
    const block = Math.floor(f / RECORDED_BLOCK);
    const upTo = this.recordedUpToBlock[block] ?? this.recordedUpToBlock[block - 1] ?? 0;
    this.recordedUpToBlock[block] = Math.max(upTo, recordedAt);
    this.insertVersion(entity, at, f);
    for (const watch of this.versionWatchers[this.entityKind[entity] as number] as ((ordinal: number) => void)[]) watch(this.ordinals[entity] as number);
    this.factCount++;
    this.addToTimeline(f);
    this.addLinks(kind, entity, this.facts.attrs[f] as Attrs, isNew);
  }

  entity(kind: FactKind, id: string): number {
    return this.entities[kind].get(id);
  }
  idOf(entity: number): string {
    return this.entityId[entity] as string;
  }
  kindOf(entity: number): FactKind {
    return FACT_KINDS[this.entityKind[entity] as number] as FactKind;
  }
  versionCount(entity: number): number {
    return this.versionCounts[entity] as number;
  }
  firstVersion(entity: number): number {
    return this.first[entity] as number;
  }
  secondVersion(entity: number): number {
    return this.second[entity] as number;
  }
  versionList(entity: number): readonly number[] | undefined {
    return this.lists.get(entity);
  }
  /** The entity's number among those of its kind, from 0 up. */
  ordinalOf(entity: number): number {
    return this.ordinals[entity] as number;
  }
  /** The entity number of the `ordinal`-th entity of `kind`. */
  entityOf(kind: FactKind, ordinal: number): number {
    return this.entities[kind].at(ordinal);
  }
  /** Calls `watch` with the ordinal of every entity of `kind` that gains a version from now on: what a cache of states per entity needs to drop. */
  watchVersions(kind: FactKind, watch: (ordinal: number) => void): void {
    (this.versionWatchers[KIND_NUMBER.get(kind) ?? 0] as ((ordinal: number) => void)[]).push(watch);
  }
  /** `[from, to]` of a dependency entity. */
  endsOf(entity: number): readonly [string, string] {
    return this.endIds[this.ordinals[entity] as number] as readonly [string, string];
  }
  /**
   * The service at one end (0: from, 1: to) of the dependency with ordinal `dependency`, as its
   * ordinal among services; -1 while that service has no facts. By ordinal, so that a traversal
   * reads small dense arrays rather than ones indexed by every entity of every kind.
   */
  endService(dependency: number, side: 0 | 1): number {
    const slot = 2 * dependency + side;
    const known = this.endServices[slot] as number;
    if (known >= 0) return known;
    // A service entity, once made, keeps its number: resolve each end once.
    const e = this.entity('service', (this.endIds[dependency] as readonly [string, string])[side]);
    const ordinal = e < 0 ? -1 : (this.ordinals[e] as number);
    this.endServices[slot] = ordinal;
    return ordinal;
  }

  /** The versions of an entity, read in place. */
  versionsOf(entity: number): EntityVersions {
    return new EntityVersions(this, entity);
  }

  /** The versions of an entity as facts (built on each call: for small indexes and tests). */
  versions(kind: FactKind, id: string): Fact[] | undefined {
    const e = this.entity(kind, id);
    if (e < 0) return undefined;
    const v = this.versionsOf(e);
    return Array.from({ length: v.length }, (_, i) => v.fact(i));
  }

  fact(f: number): Fact {
    const e = this.facts.entity[f] as number;
    return {
      kind: this.kindOf(e),
      id: this.idOf(e),
      validFrom: this.facts.validFrom[f] as number,
      recordedAt: this.facts.recordedAt[f] as number,
      key: this.facts.key[f] as string,
      type: this.facts.type(f),
      attrs: this.facts.attrs[f] as Attrs,
    };
  }

  /** Entities of `service` in one of its lists, in the order they were first linked. */
  linked(name: LinkName, service: string): readonly number[] {
    return this.links[name].get(service) ?? NO_ENTITIES;
  }

  /** Entities of one kind sorted by id (dependencies by `from`, then `to`); kept until an entity of that kind is added. */
  sorted(kind: FactKind): Int32Array {
    const size = this.entities[kind].size;
    const cached = this.sortedCache.get(kind);
    if (cached?.size === size) return cached.order;
    const order = Int32Array.from(this.entities[kind].values());
    const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
    if (kind === 'dependency') {
      order.sort((a, b) => {
        const [af, at] = this.endsOf(a);
        const [bf, bt] = this.endsOf(b);
        return cmp(af, bf) || cmp(at, bt);
      });
    } else order.sort((a, b) => cmp(this.idOf(a), this.idOf(b)));
    this.sortedCache.set(kind, { size, order });
    return order;
  }

  get timelineSize(): number {
    return this.timelineLength;
  }
  /** The fact number at position `i` of the valid-time order. */
  timelineAt(i: number): number {
    return this.timelineFacts[i] as number;
  }

  /** Services and the ids linked to them, as sets (built on each call; the Neo4j adapter writes them). */
  private linkSets(name: LinkName): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const [service, list] of this.links[name]) out.set(service, new Set(list.map((e) => this.idOf(e))));
    return out;
  }
  get deploysOf(): Map<string, Set<string>> {
    return this.linkSets('deploys');
  }
  get configValuesOf(): Map<string, Set<string>> {
    return this.linkSets('configValues');
  }
  get configChangesOf(): Map<string, Set<string>> {
    return this.linkSets('configChanges');
  }
  get alertsOf(): Map<string, Set<string>> {
    return this.linkSets('alerts');
  }
  get actionsOf(): Map<string, Set<string>> {
    return this.linkSets('actions');
  }

  /** Every fact, grouped by event, in the order events were added: what a snapshot holds. */
  *factsByEvent(): Generator<[string, Fact[]]> {
    let group: Fact[] = [];
    let key: string | undefined;
    for (let f = 0; f < this.facts.length; f++) {
      const k = this.facts.key[f] as string;
      if (k !== key && group.length > 0) {
        yield [key as string, group];
        group = [];
      }
      key = k;
      group.push(this.fact(f));
    }
    if (group.length > 0) yield [key as string, group];
  }

  /** Negative when fact `f` orders before (validFrom, key); the equal-time rule of `compareFacts`. */
  private compareTo(f: number, validFrom: number, key: string): number {
    const vf = this.facts.validFrom[f] as number;
    if (vf !== validFrom) return vf - validFrom;
    const k = this.facts.key[f] as string;
    return k < key ? -1 : k > key ? 1 : 0;
  }

  private newEntity(kind: FactKind, id: string): number {
    const e = this.entityCount++;
    const n = this.entityCount;
    this.entityKind = withRoom(this.entityKind, n);
    this.versionCounts = withRoom(this.versionCounts, n);
    this.first = withRoom(this.first, n);
    this.second = withRoom(this.second, n);
    this.ordinals = withRoom(this.ordinals, n);
    this.entityKind[e] = KIND_NUMBER.get(kind) ?? 0;
    this.entityId.push(id);
    const ordinal = this.entities[kind].add(e);
    this.ordinals[e] = ordinal;
    if (kind === 'dependency') {
      const [from, to] = splitId(id);
      const ids = [this.facts.shared(from), this.facts.shared(to)] as const;
      this.endIds.push(ids);
      this.endServices = withRoom(this.endServices, 2 * ordinal + 2);
      this.endServices[2 * ordinal] = -1;
      this.endServices[2 * ordinal + 1] = -1;
      this.link('out', ids[0], e, true);
      this.link('in', ids[1], e, true);
    }
    return e;
  }

  /** Where a fact at (validFrom, key) goes among the entity's versions; -1 when an equal-ordered one is there. */
  private slot(e: number, validFrom: number, key: string): number {
    const v = this.versionsOf(e);
    const n = v.length;
    // In-order delivery appends; only late facts pay for a binary search.
    if (n === 0 || this.compareTo(v.at(n - 1), validFrom, key) < 0) return n;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compareTo(v.at(mid), validFrom, key);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid;
      else return -1;
    }
    return lo;
  }

  private insertVersion(e: number, at: number, f: number): void {
    const n = this.versionCounts[e] as number;
    this.versionCounts[e] = n + 1;
    if (n === 0) this.first[e] = f;
    else if (n === 1) {
      if (at === 1) this.second[e] = f;
      else {
        this.second[e] = this.first[e] as number;
        this.first[e] = f;
      }
    } else {
      let list = this.lists.get(e) ?? [this.first[e] as number, this.second[e] as number];
      // Exact-size copies while short: most lists stay short, and a grown array reserves 16+ slots.
      if (list.length < 16) list = [...list.slice(0, at), f, ...list.slice(at)];
      else list.splice(at, 0, f);
      this.lists.set(e, list);
    }
  }

  private addToTimeline(f: number): void {
    const n = this.timelineLength;
    this.timelineFacts = withRoom(this.timelineFacts, n + 1);
    const tl = this.timelineFacts;
    const vf = this.facts.validFrom[f] as number;
    const key = this.facts.key[f] as string;
    // Equal valid times in (source, id) order, so change listings do not depend on arrival order;
    // the facts of one event stay in the order the event made them.
    let lo = n;
    if (n > 0 && this.compareTo(tl[n - 1] as number, vf, key) > 0) {
      lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compareTo(tl[mid] as number, vf, key) <= 0) lo = mid + 1;
        else hi = mid;
      }
      tl.copyWithin(lo + 1, lo, n);
    }
    tl[lo] = f;
    this.timelineLength = n + 1;
  }

  /** Adds `entity` to a service's list; a new entity cannot be there yet, so only a known one is looked for. */
  private link(name: LinkName, service: string, entity: number, isNew: boolean): void {
    const map = this.links[name];
    const list = map.get(service);
    if (!list) map.set(this.facts.shared(service), [entity]);
    else if (isNew ? list[list.length - 1] !== entity : !list.includes(entity)) list.push(entity);
  }

  private addLinks(kind: FactKind, e: number, attrs: Attrs, isNew: boolean): void {
    const service = attrs.service;
    switch (kind) {
      case 'deploy':
        if (typeof service === 'string') this.link('deploys', service, e, isNew);
        break;
      case 'configValue':
        if (typeof service === 'string') this.link('configValues', service, e, isNew);
        break;
      case 'config':
        // A change counts for its service, the dependency it governs and every other consumer.
        for (const s of [service, attrs.dependency, ...(Array.isArray(attrs.services) ? attrs.services : [])]) {
          if (typeof s === 'string') this.link('configChanges', s, e, false);
        }
        break;
      case 'alert':
        if (typeof service === 'string') this.link('alerts', service, e, isNew);
        break;
      case 'action':
        if (typeof service === 'string') this.link('actions', service, e, isNew);
        break;
      case 'incident':
        // Every service any version of the incident named: a service's changes read only these.
        for (const s of [service, attrs.dependency, ...(Array.isArray(attrs.services) ? attrs.services : [])]) {
          if (typeof s === 'string') this.link('incidents', s, e, false);
        }
        break;
      default:
        break;
    }
  }
}
