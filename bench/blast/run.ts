/**
 * `npm run bench:blast`: how well the predicted blast radius covers what changes really reached, on
 * the generated labelled incidents (bench/blast/cases.ts), beside simple baselines on the same
 * cases, per fault class and per topology. Nothing in blast radius is fitted to these cases; the
 * report is the test split, and `--split train|all` shows the others.
 *
 * Flags: --split train|test|all (default test), --quick (skip 10,000 services), --no-write.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBlastRadiusReader } from '../../src/analysis/blast-radius-slice.js';
import type { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { type Scenario, scenariosFor } from '../rca/generate.js';
import { loadStore } from '../rca/load.js';
import { allTopologies } from '../rca/topologies.js';
import { type BlastAction, type BlastCase, blastCases, type BlastScore, scoreBlast } from './cases.js';

type Predictor = (store: EmbeddedStore, action: BlastAction, scenario: Scenario) => Promise<Set<string>>;

/** Every service that calls `s` over any dependency ever recorded in the scenario, whenever it was valid. */
function staticUpstream(scenario: Scenario): (s: string) => Set<string> {
  const callers = new Map<string, string[]>();
  for (const e of scenario.events as readonly { type: string; data?: { from?: unknown; to?: unknown } }[]) {
    if (e.type !== 'dependency.upserted') continue;
    const [from, to] = [String(e.data?.from), String(e.data?.to)];
    (callers.get(to) ?? callers.set(to, []).get(to))?.push(from);
  }
  return (s) => {
    const seen = new Set([s]);
    const stack = [s];
    for (let u = stack.pop(); u !== undefined; u = stack.pop()) {
      for (const v of callers.get(u) ?? []) if (!seen.has(v)) stack.push((seen.add(v), v));
    }
    return seen;
  };
}

/** Asked as known now (the store records events when it ingests them): `at` decides what was valid then. */
const hood = async (store: EmbeddedStore, a: BlastAction, depth: number, direction: 'in' | 'both'): Promise<Set<string>> => {
  const h = await store.neighbourhood(a.service, { at: a.at, knownAt: Date.now() }, depth, direction);
  return new Set(h?.services.map((x) => x.service.id) ?? [a.service]);
};

const statics = new WeakMap<Scenario, (s: string) => Set<string>>();

async function ctxgraph(store: EmbeddedStore, a: BlastAction, scoped: boolean): Promise<Set<string>> {
  const scope = scoped ? { services: a.services, dependency: a.dependency } : {};
  const r = await createBlastRadiusReader({ reader: store, now: () => a.at }).compute({ kind: a.kind, service: a.service, ...scope }, { at: a.at, knownAt: Date.now() });
  if (!r.ok) throw new Error(`${a.service} at ${new Date(a.at).toISOString()}: ${r.message}`);
  return new Set(r.blastRadius.services.map((s) => s.service));
}

const METHODS: Record<string, Predictor> = {
  ctxgraph: (store, a) => ctxgraph(store, a, true),
  'ctxgraph, target only': (store, a) => ctxgraph(store, a, false),
  'direct callers': (store, a) => hood(store, a, 1, 'in'),
  'neighbours within 2 hops': (store, a) => hood(store, a, 2, 'both'),
  'static upstream'(_store, a, scenario) {
    const f = statics.get(scenario) ?? staticUpstream(scenario);
    statics.set(scenario, f);
    return Promise.resolve(f(a.service));
  },
};

interface Row {
  c: BlastCase;
  method: string;
  score: BlastScore;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);
const f3 = (x: number): string => x.toFixed(3);

function table(rows: readonly Row[], key: (c: BlastCase) => string): string {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${key(r.c)}\u0000${r.method}`;
    (groups.get(k) ?? groups.set(k, []).get(k))?.push(r);
  }
  const lines = ['| group | method | n | recall | all reached predicted | precision | predicted services (mean) |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const [k, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [group, method] = k.split('\u0000');
    const s = g.map((r) => r.score);
    lines.push(`| ${group} | ${method} | ${g.length} | ${f3(mean(s.map((x) => x.recall)))} | ${f3(mean(s.map((x) => Number(x.covered))))} | ${f3(mean(s.map((x) => x.precision)))} | ${mean(s.map((x) => x.predicted)).toFixed(1)} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { split: { type: 'string', default: 'test' }, quick: { type: 'boolean' }, 'no-write': { type: 'boolean' } } });
  const split = values.split as 'train' | 'test' | 'all';
  if (!['train', 'test', 'all'].includes(split)) throw new Error(`--split must be train, test or all, not ${JSON.stringify(values.split)}`);
  const rows: Row[] = [];
  for (const top of allTopologies()) {
    if (values.quick === true && top.services.length > 5_000) continue;
    for (const scenario of scenariosFor(top, split)) {
      const cases = blastCases(scenario).filter((c) => split === 'all' || c.split === split);
      if (cases.length === 0) continue;
      const store = await loadStore(scenario.events);
      for (const c of cases) {
        for (const [method, predict] of Object.entries(METHODS)) rows.push({ c, method, score: scoreBlast(await predict(store, c.action, scenario), c.reached) });
      }
      await store.close();
    }
  }
  const ours = rows.filter((r) => r.method === 'ctxgraph').map((r) => r.score);
  const md = [
    `# Blast radius on labelled incidents (${split} split)`,
    '',
    'Generated by `npm run bench:blast`; do not edit by hand. Each case is a generated incident whose labelled cause is a deploy or a config change (bench/blast/cases.ts): the blast radius is asked of the graph valid just before the change, with the scope the change itself states (a shared setting\'s `services`, the `dependency` a setting governs or a deploy introduces; `ctxgraph, target only` is asked without it), and scored against the services on which the fault\'s own alerts fired after it (red herrings excluded). Recall: share of those services predicted; all reached predicted: every one of them was; precision: share of the predicted services that the fault reached (a blast radius says what could be reached, so it is expected to be low).',
    '',
    `Overall ctxgraph: recall ${f3(mean(ours.map((x) => x.recall)))}, all reached predicted ${f3(mean(ours.map((x) => Number(x.covered))))}, precision ${f3(mean(ours.map((x) => x.precision)))} over ${ours.length} cases.`,
    '',
    '## By fault class',
    '',
    table(rows, (c) => c.fault),
    '',
    '## By topology',
    '',
    table(rows, (c) => c.topology),
    '',
  ].join('\n');
  console.log(md);
  if (values['no-write'] !== true) {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
    await writeFile(join(dir, split === 'test' ? 'latest.md' : `latest-${split}.md`), md);
  }
}

await main();
