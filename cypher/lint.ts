/**
 * Parses and semantically analyses every `.cypher` file offline with Neo4j's own Cypher front end
 * (`@neo4j-cypher/language-support`), each template once per allow-listed slot assignment. Labels,
 * relationship types, functions and each query's parameters are declared, so a typo in any of them
 * is reported. Any diagnostic fails: `npm run lint:cypher` exits 1.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lintCypherQuery } from '@neo4j-cypher/language-support';
import { TEMPLATES } from '../src/store/neo4j/allow-list.js';
import { cypherDir, instantiate, splitStatements } from '../src/store/neo4j/queries.js';

const LABELS = ['Event', 'Fact', 'Service', 'ServiceState', 'Dependency', 'Deploy', 'ConfigChange', 'ConfigValue', 'Alert', 'Incident', 'CausalLink', 'Action', 'Prediction', 'TrustLadder', 'Migration'];
const REL_TYPES = ['HAS_FACT', 'ASSERTED', 'HAS_STATE', 'DEPENDS_ON', 'FROM', 'TO', 'HAS_DEPLOY', 'HAS_ALERT', 'HAS_CONFIG_VALUE', 'HAS_CONFIG_CHANGE', 'HAS_ACTION'];
const AT = { at: 0, knownAt: 0 };

/** The parameters the adapter passes to each query, with a sample value of the right type. */
const PARAMETERS: Record<string, Record<string, unknown>> = {
  'write-events': { batch: '', events: [{}] },
  'write-facts': { facts: [{}] },
  'write-dependency-ends': { dependencies: [{}] },
  'write-links': { links: [{}] },
  'lock-services': { ids: [''] },
  'lock-dependencies': { ids: [''] },
  'read-entity-facts': { ids: [''] },
  'read-entity-facts-at': { ids: [''], ...AT },
  'read-kind-facts-at': AT,
  'read-service-rows': { ids: [''] },
  'write-service-rows': { rows: [{}] },
  'drop-service-rows': { rows: [{}] },
  'read-dependencies-of-services': { ids: [''] },
  'read-dependency-facts': { ids: [''] },
  'read-dependency-rows': { ids: [''] },
  'write-dependency-rows': { rows: [{}] },
  'drop-dependency-rows': { rows: [{}] },
  'read-graph-at': AT,
  'read-service-detail': { id: '', ...AT },
  'read-reach': { frontier: [''], ...AT },
  'read-services-facts-at': { ids: [''], ...AT },
  'read-changes': { from: 0, to: 0, knownAt: 0 },
  'read-changes-of-service': { service: '', from: 0, to: 0, knownAt: 0 },
  'read-changes-recorded': { after: 0 },
  'read-last-recorded': {},
  'read-linked-between': { services: [''], from: 0, ...AT },
  'read-stats': {},
  'migration-applied': { name: '' },
  'migration-record': { name: '', checksum: '', appliedAt: 0 },
  reset: {},
};

const fn = (name: string, aggregating: boolean) => ({
  name,
  category: 'builtin',
  description: name,
  isBuiltIn: true,
  argumentDescription: [{ name: 'input', description: 'input', type: 'ANY', isDeprecated: false }],
  returnDescription: 'ANY',
  signature: `${name}(input :: ANY) :: ANY`,
  aggregating,
  isDeprecated: false,
});
/** The functions the queries call; any other function name is reported as unknown. */
const FUNCTIONS = { 'CYPHER 5': { min: fn('min', true), length: fn('length', false) } };

export interface LintProblem {
  file: string;
  variant: string;
  line: number;
  message: string;
}

async function cypherFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await cypherFiles(join(dir, e.name))));
    else if (e.name.endsWith('.cypher')) out.push(join(dir, e.name));
  }
  return out.sort();
}

/** Diagnostics for one query text with these declared parameters (lines count from 1). */
export function lintOne(query: string, parameters: Record<string, unknown>): { line: number; message: string }[] {
  const { diagnostics } = lintCypherQuery(query, { labels: LABELS, relationshipTypes: REL_TYPES, parameters, functions: FUNCTIONS });
  return diagnostics.map((d) => ({ line: d.range.start.line + 1, message: typeof d.message === 'string' ? d.message : d.message.value }));
}

/** Lints every query and migration under `dir`; returns how many texts were checked and every problem. */
export async function lintCypherFiles(dir: string = cypherDir()): Promise<{ checked: number; problems: LintProblem[] }> {
  const problems: LintProblem[] = [];
  let checked = 0;
  for (const path of await cypherFiles(dir)) {
    const file = relative(dir, path);
    const text = await readFile(path, 'utf8');
    const name = file.replace(/\.cypher$/, '');
    if (file.startsWith('migrations')) {
      for (const statement of splitStatements(text)) {
        checked++;
        for (const p of lintOne(statement, {})) problems.push({ file, variant: statement.slice(0, 60), ...p });
      }
      continue;
    }
    const parameters = PARAMETERS[name];
    if (!parameters) {
      problems.push({ file, variant: '', line: 1, message: 'no parameters declared for this query in cypher/lint.ts' });
      continue;
    }
    for (const slots of TEMPLATES[name] ?? [undefined]) {
      checked++;
      for (const p of lintOne(instantiate(name, text, slots), parameters)) problems.push({ file, variant: slots ? JSON.stringify(slots) : '', ...p });
    }
  }
  return { checked, problems };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { checked, problems } = await lintCypherFiles();
  for (const p of problems) console.error(`cypher/${p.file}:${p.line}${p.variant ? ` [${p.variant}]` : ''}: ${p.message}`);
  console.log(`${checked} Cypher texts checked, ${problems.length} problem(s)`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
