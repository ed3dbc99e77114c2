/**
 * PetShop-like training issues on a tiny baseline built here (never the real data): a fault on a
 * node reaches its callers and the symptom, windows come from the part of the baseline the
 * detector was not fitted on, and the same seed gives the same issues.
 */
import { describe, expect, it } from 'vitest';
import type { CallGraph, MetricsTable } from '../../bench/rca/petshop-convert.js';
import { splitBaseline, synthIssues, withIssueBackground } from '../../bench/rca/petshop-synth.js';

const WEB = 'Web';
const API = 'Api_AWS::ECS::Fargate';
const DB = 'orders_AWS::DynamoDB::Table';
const graph: CallGraph = { nodes: [WEB, API, DB], calls: [[WEB, API], [API, DB]] };

/** 200 buckets of calm metrics with a little deterministic wobble. */
function baseline(): MetricsTable {
  const n = 200;
  const timestamps = Array.from({ length: n }, (_, i) => 1_700_000_000 + i * 300);
  const wobble = (i: number, k: number): number => ((i * 7919 + k * 104_729) % 13) / 13;
  const series = [WEB, API, DB].flatMap((node, k) => [
    { node, metric: 'latency', stat: 'Average', values: timestamps.map((_, i) => 100 / (k + 1) + 5 * wobble(i, k)) },
    { node, metric: 'availability', stat: 'Average', values: timestamps.map((_, i) => 100 - 0.2 * wobble(i, k + 3)) },
    { node, metric: 'requests', stat: 'Sum', values: timestamps.map((_, i) => 1000 + 50 * wobble(i, k + 5)) },
  ]);
  return { timestamps, series };
}

describe('PetShop-like training issues', () => {
  it('draws windows only from the part of the baseline the detector was not fitted on', () => {
    const b = baseline();
    const { pool } = splitBaseline(b);
    expect(pool.timestamps[0]).toBe(b.timestamps[120]);
    const { issues } = synthIssues(graph, b, 'tiny', 20, 3);
    for (const x of issues) expect(x.metrics.timestamps[0]).toBeGreaterThanOrEqual(b.timestamps[120] as number);
  });

  it('puts the fault on its root and lets it climb to the symptom, which its detector sees', () => {
    const b = baseline();
    const { issues } = synthIssues(graph, b, 'tiny', 30, 5);
    expect(issues.length).toBe(30);
    for (const x of issues) {
      expect(x.issue.split).toBe('train');
      expect(x.issue.targetNode).toBe(WEB);
      const metric = x.fault === 'errors' ? 'availability' : 'latency';
      // Latency shows on the root itself; failing requests always show at the symptom (the root's
      // own availability may not show them, as callers' views often do instead).
      const at = x.fault === 'errors' ? WEB : x.issue.rootCause;
      const seen = x.metrics.series.find((s) => s.node === at && s.metric === metric);
      const calm = b.series.find((s) => s.node === at && s.metric === metric);
      const last = (s: typeof seen): number => s?.values.at(-1) as number;
      if (x.fault === 'errors') expect(last(seen)).toBeLessThan(Math.min(...(calm?.values as number[])));
      else expect(last(seen)).toBeGreaterThan(Math.max(...(calm?.values as number[])));
      // A change only where code runs, and never behind a saturation.
      if (x.injection.kind !== 'none') expect(x.injection.service).toBe(x.issue.rootCause);
      if (x.fault === 'saturation' || x.issue.rootCause === DB) expect(x.injection.kind).toBe('none');
    }
    expect(new Set(issues.map((x) => x.issue.rootCause)).size).toBeGreaterThan(1);
  });

  it('gives the same issues for the same seed', () => {
    const a = synthIssues(graph, baseline(), 'tiny', 10, 9).issues;
    const b = synthIssues(graph, baseline(), 'tiny', 10, 9).issues;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('gives nodes that the train fault could not reach the background of a real issue window, and keeps the baseline for the rest', () => {
    const window: MetricsTable = { timestamps: [0, 300, 600], series: [WEB, API, DB].map((node) => ({ node, metric: 'latency', stat: 'Average', values: [1, 1, 1] })) };
    const background: MetricsTable = { timestamps: [9, 309, 609, 909], series: [API, DB].map((node) => ({ node, metric: 'latency', stat: 'Average', values: [7, 8, 9, 10] })) };
    const out = withIssueBackground(window, background, new Set([API]));
    const values = (node: string) => out.series.find((x) => x.node === node)?.values;
    expect(out.timestamps).toEqual([0, 300, 600]);
    expect(values(API)).toEqual([1, 1, 1]);
    expect(values(DB)).toEqual([7, 8, 9]);
    // A node the background lacks keeps its own values.
    expect(values(WEB)).toEqual([1, 1, 1]);
  });
});
