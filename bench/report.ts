/** The benchmark's result table: printed as markdown and written with the machine it ran on. */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Row {
  measure: string;
  unit: string;
  ours: number;
  /** What the baseline is, in words; null when the measure has none. */
  baselineLabel: string | null;
  baseline: number | null;
  /** Higher is better (throughput) or lower is better (latency, bytes, seconds). */
  better: 'higher' | 'lower';
  target: { op: '>=' | '<='; value: number } | null;
  note?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  platform: string;
  loadAverage: { atStart: number[]; atEnd: number[] };
}

export function machine(loadAtStart: number[]): Machine {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: { atStart: loadAtStart.map(round2), atEnd: loadavg().map(round2) },
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** How many times better ours is than the baseline (above 1: ours is better). */
export const ratioOf = (r: Row): number | null =>
  r.baseline === null || r.baseline === 0 || r.ours === 0 ? null : r.better === 'higher' ? r.ours / r.baseline : r.baseline / r.ours;

export const passOf = (r: Row): boolean | null => (r.target === null ? null : r.target.op === '>=' ? r.ours >= r.target.value : r.ours <= r.target.value);

const fmt = (x: number): string =>
  Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : Math.abs(x) >= 10 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3);

export function markdown(rows: readonly Row[], meta: { scale: string; params: object; date: string; machine: Machine }): string {
  const m = meta.machine;
  const lines = [
    `# ctxgraph benchmark (${meta.scale})`,
    '',
    `${meta.date}; ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.platform}. Load average at start ${m.loadAverage.atStart.join(' / ')}, at end ${m.loadAverage.atEnd.join(' / ')}.`,
    ...(m.loadAverage.atStart[0] !== undefined && m.loadAverage.atStart[0] > m.cores
      ? ['', `**Measured under contention**: the 1-minute load average (${m.loadAverage.atStart[0]}) was above the core count (${m.cores}), so other processes competed for the CPU throughout; figures on an idle machine will be better.`]
      : []),
    '',
    `Data: ${JSON.stringify(meta.params)}`,
    '',
    'Ratio: how many times better ours is than the baseline (throughput ours/baseline, latency and size baseline/ours).',
    '',
    '| measure | ours | baseline | ratio | target | pass |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const ratio = ratioOf(r);
    const pass = passOf(r);
    const baseline = r.baseline === null ? '-' : `${fmt(r.baseline)} ${r.unit} (${r.baselineLabel ?? ''})`;
    lines.push(
      `| ${r.measure} | ${fmt(r.ours)} ${r.unit} | ${baseline} | ${ratio === null ? '-' : `${fmt(ratio)}x`} | ${r.target ? `${r.target.op} ${fmt(r.target.value)} ${r.unit}` : 'reported'} | ${pass === null ? '-' : pass ? 'pass' : '**FAIL**'} |`,
    );
  }
  const notes = rows.filter((r) => r.note);
  if (notes.length > 0) lines.push('', 'Notes:', '', ...notes.map((r) => `- ${r.measure}: ${r.note ?? ''}`));
  return `${lines.join('\n')}\n`;
}

export async function writeResults(dir: string, name: string, rows: readonly Row[], meta: { scale: string; params: object; date: string; machine: Machine }, extra: object): Promise<string> {
  await mkdir(dir, { recursive: true });
  const md = markdown(rows, meta);
  const json = { ...meta, rows: rows.map((r) => ({ ...r, ratio: ratioOf(r), pass: passOf(r) })), extra };
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(join(dir, `${name}.md`), md);
  return md;
}
