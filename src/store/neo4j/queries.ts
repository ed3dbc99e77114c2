/**
 * The Cypher the adapter runs: every query is a file under `cypher/`, loaded once, and values go
 * only into parameters. Templates get their slots from the allow-list and nothing else.
 */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Slots, TEMPLATES } from './allow-list.js';

export const QUERY_NAMES = [
  'write-events',
  'write-facts',
  'write-dependency-ends',
  'write-links',
  'lock-services',
  'lock-dependencies',
  'read-entity-facts',
  'read-entity-facts-at',
  'read-kind-facts-at',
  'read-service-rows',
  'write-service-rows',
  'drop-service-rows',
  'read-dependencies-of-services',
  'read-dependency-facts',
  'read-dependency-rows',
  'write-dependency-rows',
  'drop-dependency-rows',
  'read-graph-at',
  'read-service-detail',
  'read-reach',
  'read-services-facts-at',
  'read-changes',
  'read-changes-of-service',
  'read-changes-recorded',
  'read-last-recorded',
  'read-linked-between',
  'read-stats',
  'migration-applied',
  'migration-record',
  'reset',
] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

export interface Migration {
  name: string;
  statements: string[];
  checksum: string;
}

export interface QueryBook {
  /** The text of a query; templates need slots listed for them in the allow-list. */
  text(name: QueryName, slots?: Slots): string;
  readonly migrations: readonly Migration[];
}

const SLOT = /\{\{([A-Z]+)\}\}/g;

/** The repository (or image) root: the nearest folder above this file with a `cypher/` folder. */
export function cypherDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'cypher', 'migrations'))) return join(dir, 'cypher');
    if (dirname(dir) === dir) throw new Error(`no cypher/ folder above ${from}`);
  }
}

const sameSlots = (a: Slots, b: Slots): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * Fills a template's slots. Throws unless `slots` is one of the assignments the allow-list gives
 * for `name`, so no value from outside can reach the text.
 */
export function instantiate(name: string, template: string, slots: Slots | undefined): string {
  const allowed = TEMPLATES[name];
  if (!allowed) {
    if (slots !== undefined || /\{\{[A-Z]+\}\}/.test(template)) throw new Error(`query ${name} is not a template`);
    return template;
  }
  if (!slots || !allowed.some((a) => sameSlots(a, slots))) throw new Error(`slots ${JSON.stringify(slots)} are not allowed for ${name}`);
  return template.replace(SLOT, (_, k: string) => slots[k] as string);
}

/** Splits a migration file into statements (one per `;` at the end of a line). */
export const splitStatements = (text: string): string[] =>
  text
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*\/\/.*$/gm, '').trim())
    .filter((s) => s.length > 0);

/** A short, stable digest of a migration, so that an edited applied migration is noticed. */
function checksum(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export async function loadQueries(dir: string = cypherDir()): Promise<QueryBook> {
  const texts = new Map<QueryName, string>();
  for (const name of QUERY_NAMES) texts.set(name, await readFile(join(dir, `${name}.cypher`), 'utf8'));
  const files = (await readdir(join(dir, 'migrations'))).filter((f) => f.endsWith('.cypher')).sort();
  const migrations: Migration[] = [];
  for (const f of files) {
    const text = await readFile(join(dir, 'migrations', f), 'utf8');
    migrations.push({ name: f.replace(/\.cypher$/, ''), statements: splitStatements(text), checksum: checksum(text) });
  }
  return {
    migrations,
    text(name, slots) {
      const t = texts.get(name);
      if (t === undefined) throw new Error(`unknown query ${name}`);
      return instantiate(name, t, slots);
    },
  };
}
