/**
 * Whether the hand-set root-cause weights leave accuracy on the table: fits them by a conditional
 * logit on train cases (a softmax over each case's drafts; the labelled ones are right), each train
 * family weighing the same, with an L2 pull toward the hand-set weights (LAMBDA, default 0.05; STEPS
 * of Adam, default 300). Train only: the generated train split, PetShop-like issues with and without
 * background, PetShop's own train split. Prints top-1 per family for the hand-set weights, for the
 * fit by 2-fold cross-validation over scenarios (generated) and issues (PetShop), and in sample,
 * then the fitted weights. FIT_CACHE=path keeps the collected cases between runs (collecting takes
 * about six minutes). Results are in docs/root-cause.md (Status).
 *
 *   npx tsx bench/rca/fit-weights.ts
 */
import { draftCauses, gatherRootCauseSlice, resolveOptions } from '../../src/analysis/root-cause.js';
import { DEFAULT_WEIGHTS } from '../../src/analysis/root-cause-options.js';
import { applyLinks, chainRefs, indexLinks } from '../../src/analysis/root-cause-scoring.js';
import type { RootCauseWeights } from '../../src/analysis/root-cause-types.js';
import type { EntityRef } from '../../schema/events.js';
import { scenariosFor } from './generate.js';
import { loadStore } from './load.js';
import { sameRef } from './metrics.js';
import { loadIssues, petshopDir } from './petshop-run.js';
import { VARIANTS } from './petshop-convert.js';
import { petshopLikeCases } from './petshop-synth-run.js';
import { allTopologies } from './topologies.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

type Key = Exclude<keyof RootCauseWeights, 'temperature'>;
const KEYS = Object.keys(DEFAULT_WEIGHTS).filter((k) => k !== 'temperature') as Key[];
interface Case { set: string; group: string; x: number[][]; right: boolean[]; order: string[] }

async function caseOf(store: Parameters<typeof gatherRootCauseSlice>[0], incident: string, set: string, group: string, right: (c: { cause: EntityRef; service: string }) => boolean): Promise<Case | null> {
  const o = resolveOptions();
  const g = await gatherRootCauseSlice(store, { incident }, o);
  if (!g.ok) return null;
  const { drafts } = draftCauses(g.slice, o);
  if (drafts.length === 0) return null;
  const links = indexLinks(g.slice.causalLinks);
  for (const d of drafts) applyLinks(d, chainRefs(d), links);
  const x = drafts.map((d) => KEYS.map((k) => d.features[k] ?? 0));
  const r = drafts.map((d) => right({ cause: d.cause, service: d.service }));
  return { set, group, x, right: r, order: drafts.map((d) => `${d.cause.kind}:${d.cause.id}`) };
}

async function collect(): Promise<Case[]> {
  const cache = process.env.FIT_CACHE;
  if (cache !== undefined && existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as Case[];
  const out: Case[] = [];
  const keep = (c: Case | null): void => void (c && out.push(c));
  for (const top of allTopologies()) {
    if (top.services.length > 5_000) continue;
    for (const scenario of scenariosFor(top, 'train')) {
      const store = await loadStore(scenario.events);
      const set = scenario.resolutionMs > 0 ? 'generated 5-min' : 'generated exact';
      for (const c of scenario.cases.filter((x) => x.split === 'train')) keep(await caseOf(store, c.incident, set, c.id.split('#')[0] as string, (t) => sameRef(t.cause, c.label.cause)));
      await store.close();
    }
  }
  for (const background of [false, true]) {
    for await (const { scenario, issue, converted } of petshopLikeCases(150, 11, undefined, background)) {
      const store = await loadStore(converted.events);
      keep(await caseOf(store, converted.incident, background ? 'PetShop-like bg' : 'PetShop-like', `${scenario}/${issue.issue.issue}`, (t) => t.service === issue.issue.rootCause));
      await store.close();
    }
  }
  const loaded = await loadIssues(petshopDir());
  for (const { issue, run } of loaded.issues.filter((x) => x.issue.split === 'train')) {
    for (const variant of VARIANTS) {
      const c = run(variant);
      const store = await loadStore(c.events);
      keep(await caseOf(store, c.incident, 'PetShop train', `${issue.scenario}/${issue.issue}`, (t) => t.service === issue.rootCause));
      await store.close();
    }
  }
  if (cache !== undefined) writeFileSync(cache, JSON.stringify(out));
  return out;
}

const dot = (w: number[], x: number[]): number => x.reduce((s, v, i) => s + v * (w[i] as number), 0);

/** Top-1 under weights w: the highest score, ties broken by the cause's kind and id as scoring does. */
function top1(w: number[], c: Case): boolean {
  let best = -1;
  let bs = -Infinity;
  c.x.forEach((x, i) => {
    const s = dot(w, x);
    if (s > bs + 1e-9 || (Math.abs(s - bs) <= 1e-9 && (c.order[i] as string) < (c.order[best] as string))) {
      bs = s;
      best = i;
    }
  });
  return c.right[best] === true;
}

function fit(cases: Case[], w0: number[], lambda: number, steps: number): number[] {
  const sizes = new Map<string, number>();
  for (const c of cases) sizes.set(c.set, (sizes.get(c.set) ?? 0) + 1);
  const usable = cases.filter((c) => c.right.some(Boolean) && !c.right.every(Boolean));
  const w = [...w0];
  const m = new Array<number>(w.length).fill(0);
  const v = new Array<number>(w.length).fill(0);
  const lr = 0.05;
  for (let t = 1; t <= steps; t++) {
    const g = new Array<number>(w.length).fill(0);
    for (const c of usable) {
      const weight = 1 / (sizes.get(c.set) as number);
      const s = c.x.map((x) => dot(w, x));
      const mx = Math.max(...s);
      const e = s.map((z) => Math.exp(z - mx));
      const Z = e.reduce((a, b) => a + b, 0);
      const R = e.reduce((a, b, i) => a + (c.right[i] ? b : 0), 0);
      // d/dw of -log(R/Z) = E_all[x] - E_right[x]
      c.x.forEach((x, i) => {
        const pAll = (e[i] as number) / Z;
        const pRight = c.right[i] ? (e[i] as number) / R : 0;
        x.forEach((xv, k) => (g[k] = (g[k] as number) + weight * (pAll - pRight) * xv));
      });
    }
    for (let k = 0; k < w.length; k++) {
      const gk = (g[k] as number) + 2 * lambda * ((w[k] as number) - (w0[k] as number));
      m[k] = 0.9 * (m[k] as number) + 0.1 * gk;
      v[k] = 0.999 * (v[k] as number) + 0.001 * gk * gk;
      w[k] = (w[k] as number) - (lr * ((m[k] as number) / (1 - 0.9 ** t))) / (Math.sqrt((v[k] as number) / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  return w;
}

const report = (label: string, w: number[], cases: Case[]): string => {
  const sets = [...new Set(cases.map((c) => c.set))];
  return `${label}: ` + sets.map((s) => { const cs = cases.filter((c) => c.set === s); return `${s} ${(cs.filter((c) => top1(w, c)).length / cs.length).toFixed(3)}`; }).join(' | ');
};

const cases = await collect();
const w0 = KEYS.map((k) => DEFAULT_WEIGHTS[k]);
const lambda = Number(process.env.LAMBDA ?? '0.05');
const steps = Number(process.env.STEPS ?? '300');
console.log(`${cases.length} cases; lambda ${lambda}, steps ${steps}`);
console.log(report('hand-set', w0, cases));
// 2-fold cross-validation by group (scenario or issue): fit on one half, score the other.
const half = (c: Case): number => [...c.group].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0, 7) % 2;
const cvRight = new Map<Case, boolean>();
for (const k of [0, 1]) {
  const w = fit(cases.filter((c) => half(c) !== k), w0, lambda, steps);
  for (const c of cases.filter((c) => half(c) === k)) cvRight.set(c, top1(w, c));
}
const sets = [...new Set(cases.map((c) => c.set))];
console.log('fitted, 2-fold CV: ' + sets.map((s) => { const cs = cases.filter((c) => c.set === s); return `${s} ${(cs.filter((c) => cvRight.get(c)).length / cs.length).toFixed(3)}`; }).join(' | '));
const wAll = fit(cases, w0, lambda, steps);
console.log(report('fitted, in sample', wAll, cases));
console.log(KEYS.map((k, i) => `${k} ${(w0[i] as number).toFixed(2)} -> ${(wAll[i] as number).toFixed(2)}`).join('\n'));
