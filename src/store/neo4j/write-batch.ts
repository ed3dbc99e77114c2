/**
 * One append, as the body of one managed write transaction: events, facts, the links from
 * services to what names them, then the bitemporal rows of every service and dependency the
 * batch touched. The driver may run this body again after a transient failure; everything in it
 * is a MERGE or is recomputed from what the transaction reads, so a rerun stores nothing twice.
 */
import { bitemporalRows, type BitemporalRow, planRowChanges, rowId } from '../../model/bitemporal.js';
import { type Fact, type FactKind, splitId } from '../../model/facts.js';
import { compareFacts } from '../../model/time.js';
import { presentAt } from '../../model/views.js';
import type { AppendRecord } from '../graph-store.js';
import { GraphIndex } from '../memory/graph-index.js';
import { LABEL_OF_KIND, LINKS } from './allow-list.js';
import type { Tx } from './driver.js';
import { factOf, slicesOf, toFactRow, toNumber } from './fact-rows.js';
import type { QueryBook } from './queries.js';

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(i);
  }
  return out;
}

async function readFacts(tx: Tx, text: string, params: Record<string, unknown>): Promise<Fact[]> {
  const r = await tx.run(text, params);
  return r.records.map(factOf);
}

function rowsOf(records: readonly { toObject(): Record<string, unknown> }[]): Map<string, BitemporalRow<unknown>[]> {
  const out = new Map<string, BitemporalRow<unknown>[]>();
  for (const rec of records) {
    const r = rec.toObject();
    const id = String(r.id);
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push({
      validFrom: toNumber(r.validFrom),
      validTo: toNumber(r.validTo),
      recordedAt: toNumber(r.recordedAt),
      supersededAt: toNumber(r.supersededAt),
      value: r.value,
    });
  }
  return out;
}

const rowParams = <V>(r: BitemporalRow<V>) => ({
  row: rowId(r),
  validFrom: r.validFrom,
  validTo: r.validTo,
  recordedAt: r.recordedAt,
  supersededAt: r.supersededAt,
  value: r.value,
});

/** Stores the records new to the database; returns the keys this call stored. */
export async function writeBatch(tx: Tx, q: QueryBook, records: readonly AppendRecord[], batch: string): Promise<Set<string>> {
  const events = records.map((r) => ({
    key: r.key,
    source: r.event.source,
    id: r.event.id,
    type: r.event.type,
    time: r.event.time,
    recordedAt: r.facts[0]?.recordedAt ?? null,
    payload: JSON.stringify(r.event),
  }));
  const result = await tx.run(q.text('write-events'), { batch, events });
  const created = new Set(result.records.map((r) => r.toObject()).filter((r) => r.created === true).map((r) => String(r.key)));
  const fresh = records.filter((r) => created.has(r.key));
  if (fresh.length === 0) return created;

  const index = new GraphIndex();
  for (const r of fresh) index.addEvent(r.key, r.facts);
  const facts = fresh.flatMap((r) => r.facts);
  for (const [kind, list] of groupBy(facts, (f) => f.kind)) {
    await tx.run(q.text('write-facts', { LABEL: LABEL_OF_KIND[kind as FactKind] }), { facts: list.map(toFactRow) });
  }
  const dependencies = [...index.entities.dependency.keys()].map((id) => {
    const [from, to] = splitId(id);
    return { id, from, to };
  });
  if (dependencies.length > 0) await tx.run(q.text('write-dependency-ends'), { dependencies });
  const linkMaps = { deploy: index.deploysOf, alert: index.alertsOf, configValue: index.configValuesOf, config: index.configChangesOf, action: index.actionsOf } as const;
  for (const [name, map] of Object.entries(linkMaps) as [keyof typeof LINKS, Map<string, Set<string>>][]) {
    const links = [...map].flatMap(([service, targets]) => [...targets].map((target) => ({ service, target })));
    if (links.length > 0) await tx.run(q.text('write-links', LINKS[name]), { links });
  }
  const changed = await refreshServiceRows(tx, q, [...index.entities.service.keys()]);
  await refreshDependencyRows(tx, q, [...index.entities.dependency.keys()], changed);
  return created;
}

/** Recomputes the presence rows of these services; returns those whose rows changed. */
async function refreshServiceRows(tx: Tx, q: QueryBook, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  await tx.run(q.text('lock-services'), { ids });
  const facts = groupBy(await readFacts(tx, q.text('read-entity-facts', { LABEL: LABEL_OF_KIND.service }), { ids }), (f) => f.id);
  const stored = rowsOf((await tx.run(q.text('read-service-rows'), { ids })).records);
  const write: Record<string, unknown>[] = [];
  const drop: Record<string, unknown>[] = [];
  const changed: string[] = [];
  for (const id of ids) {
    const versions = (facts.get(id) ?? []).sort(compareFacts);
    const next = bitemporalRows(versions, (t) => (presentAt(versions, t) ? true : null));
    const plan = planRowChanges((stored.get(id) ?? []) as BitemporalRow<true>[], next);
    if (plan.add.length + plan.supersede.length + plan.drop.length === 0) continue;
    changed.push(id);
    write.push(...[...plan.supersede, ...plan.add].map((r) => ({ id, ...rowParams(r) })));
    drop.push(...plan.drop.map((r) => ({ id, row: rowId(r) })));
  }
  if (drop.length > 0) await tx.run(q.text('drop-service-rows'), { rows: drop });
  if (write.length > 0) await tx.run(q.text('write-service-rows'), { rows: write });
  return changed;
}

/**
 * Recomputes the visibility rows of these dependencies and of every dependency of a service whose
 * presence changed: a dependency shows only while both its services exist.
 */
async function refreshDependencyRows(tx: Tx, q: QueryBook, direct: string[], changedServices: string[]): Promise<void> {
  const ids = new Set(direct);
  if (changedServices.length > 0) {
    const r = await tx.run(q.text('read-dependencies-of-services'), { ids: changedServices });
    for (const rec of r.records) ids.add(String(rec.toObject().id));
  }
  if (ids.size === 0) return;
  const list = [...ids].sort();
  await tx.run(q.text('lock-dependencies'), { ids: list });
  const { index, slices } = slicesOf(await readFacts(tx, q.text('read-dependency-facts'), { ids: list }));
  const stored = rowsOf((await tx.run(q.text('read-dependency-rows'), { ids: list })).records);
  const write: Record<string, unknown>[] = [];
  const drop: Record<string, unknown>[] = [];
  for (const id of list) {
    const [from, to] = splitId(id);
    const inputs = [index.versions('dependency', id), index.versions('service', from), index.versions('service', to)].flatMap((v) => v ?? []);
    const next = bitemporalRows(inputs, (t) => slices.dependencyState(id, t)?.critical ?? null);
    const plan = planRowChanges((stored.get(id) ?? []) as BitemporalRow<boolean>[], next);
    write.push(...[...plan.supersede, ...plan.add].map((r) => ({ id, from, to, ...rowParams(r) })));
    drop.push(...plan.drop.map((r) => ({ id, from, to, row: rowId(r) })));
  }
  if (drop.length > 0) await tx.run(q.text('drop-dependency-rows'), { rows: drop });
  if (write.length > 0) await tx.run(q.text('write-dependency-rows'), { rows: write });
}
