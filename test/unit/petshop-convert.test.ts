/**
 * The PetShop converter on a tiny synthetic input built here (never the real data): the call
 * graph, the detector fitted on a no-issue baseline, the injection as a change, and the incident.
 */
import { describe, expect, it } from 'vitest';
import { rootCause } from '../../src/analysis/root-cause.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { convertIssue, detect, fitDetector, parseGraph, parseInjection, parseMetrics, parseTarget, type PetShopIssue } from '../../bench/rca/petshop-convert.js';

const WEB = 'Web';
const SEARCH = 'Search_AWS::ECS::Fargate';
const CLIENT = 'Search_client';
const ELB = 'servi-searc.us-west-2.elb.amazonaws.com_remote';
const ORDERS = 'Orders_AWS::ECS::Fargate';
const DB = 'orders_AWS::DynamoDB::Table';
const NODES = [WEB, SEARCH, CLIENT, ELB, ORDERS, DB];
const CALLS: [string, string][] = [
  [WEB, SEARCH],
  [WEB, ELB],
  [WEB, ORDERS],
  [CLIENT, SEARCH],
  [ORDERS, DB],
];

const graphCsv = (): string =>
  [`,${NODES.map((n) => `"${n}"`).join(',')}`, ...NODES.map((r) => `"${r}",${NODES.map((c) => (CALLS.some(([f, t]) => f === r && t === c) ? '1' : '0')).join(',')}`)].join('\n');

/** Latency per node over buckets from `t0`, 5 minutes apart; `value(node, i)` gives each cell. */
function metricsCsv(t0: number, buckets: number, value: (node: string, i: number) => number | null): string {
  const cols = NODES.map((n) => ({ n, metric: 'latency', stat: 'Average' }));
  return [
    `microservice,${cols.map((c) => `"${c.n}"`).join(',')}`,
    `metric,${cols.map((c) => c.metric).join(',')}`,
    `statistic,${cols.map((c) => c.stat).join(',')}`,
    `unix_timestamp,${cols.map(() => '').join(',')}`,
    ...Array.from({ length: buckets }, (_, i) => `${(t0 + i * 300).toFixed(1)},${cols.map((c) => String(value(c.n, i) ?? '')).join(',')}`),
  ].join('\n');
}

/** Normal operation: about 10 ms everywhere, with a small deterministic wobble. */
const normal = (node: string, i: number): number => 0.01 * (1 + 0.05 * Math.sin(i + node.length));
const baseline = parseMetrics(metricsCsv(1_600_000_000, 48, normal));
const T0 = 1_700_000_000;
/** Search slows down from bucket 2, and Web (its caller) with it; Orders was already slow when the window opened. */
const issueMetrics = parseMetrics(
  metricsCsv(T0, 5, (n, i) => {
    if ((n === SEARCH || n === WEB || n === ELB) && i >= 2) return 0.5;
    if (n === ORDERS) return 0.4;
    return normal(n, i);
  }),
);

const issue = (command: string): PetShopIssue =>
  parseTarget('tiny', 'train', 'issue_0', { target: { node: WEB, metric: 'latency', agg: 'Average', timestamp: T0 + 600 }, root_cause: { node: SEARCH, metric: null }, metadata: { reproducibility: { command } } });

async function analyse(events: readonly unknown[], incident: string) {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  const r = await createPipeline({ store }).ingest(events);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const a = await rootCause(store, { incident });
  if (!a.ok) throw new Error(JSON.stringify(a.error));
  return a.analysis;
}

describe('PetShop converter', () => {
  it('reads the adjacency matrix as calls, row calling column', () => {
    const g = parseGraph(graphCsv());
    expect(g.nodes).toEqual([...NODES].sort());
    expect(g.calls).toEqual(expect.arrayContaining(CALLS));
    expect(g.calls).toHaveLength(CALLS.length);
  });

  it('fires an alert where a series leaves what the no-issue baseline saw, at its first bucket out', () => {
    const found = detect(fitDetector([baseline]), issueMetrics);
    expect(found.filter((d) => d.node === SEARCH)).toEqual([expect.objectContaining({ signal: 'latency', at: T0 + 600, onsetObserved: true })]);
    // Normal nodes stay quiet.
    expect(found.map((d) => d.node)).not.toContain(DB);
  });

  it('says how far a latency moved, in milliseconds against its no-issue median, and keeps the score in the summary', () => {
    const c = convertIssue(parseGraph(graphCsv()), fitDetector([baseline]), issueMetrics, issue(''), 'no-changes');
    const search = c.events.find((e) => e.type === 'alert.fired' && (e.data as { service: string }).service === SEARCH);
    const data = search?.data as { value: number; baseline: number; summary: string };
    expect(data.value).toBe(500);
    // The median of `normal` over the baseline: about 10 ms.
    expect(data.baseline).toBeGreaterThan(9.5);
    expect(data.baseline).toBeLessThan(10.5);
    expect(data.summary).toMatch(/^z \d+\.\d\d over the no-issue baseline$/);
  });

  it('says an availability drop as errors: the percent of requests failing, against the normal percent', () => {
    const csv = (t0: number, n: number, avail: (i: number) => number): string =>
      [
        `microservice,"${SEARCH}","${SEARCH}"`,
        'metric,latency,availability',
        'statistic,Average,Average',
        'unix_timestamp,,',
        ...Array.from({ length: n }, (_, i) => `${(t0 + i * 300).toFixed(1)},${normal(SEARCH, i)},${avail(i)}`),
      ].join('\n');
    const det = fitDetector([parseMetrics(csv(1_600_000_000, 48, () => 100))]);
    const c = convertIssue(parseGraph(graphCsv()), det, parseMetrics(csv(T0, 5, (i) => (i >= 2 ? 88 : 100))), issue(''), 'no-changes');
    const errors = c.events.find((e) => e.type === 'alert.fired' && (e.data as { signal: string }).signal === 'errors');
    expect(errors?.data).toMatchObject({ service: SEARCH, value: 12, baseline: 0 });
  });

  it('re-sends a firing alert with its new level each time it gets worse, keeping the alert and its firing time', async () => {
    const worsening = parseMetrics(metricsCsv(T0, 5, (n, i) => (n === SEARCH ? [null, 0.01, 0.3, 0.5, 0.4][i] ?? null : normal(n, i))));
    const c = convertIssue(parseGraph(graphCsv()), fitDetector([baseline]), worsening, issue(''), 'no-changes');
    const sent = c.events.filter((e) => e.type === 'alert.fired' && (e.data as { service: string }).service === SEARCH);
    expect(sent.map((e) => [e.time, (e.data as { value: number }).value])).toEqual([
      [new Date((T0 + 600) * 1000).toISOString(), 300],
      [new Date((T0 + 900) * 1000).toISOString(), 500],
    ]);
    expect(new Set(sent.map((e) => (e.data as { alert: string }).alert)).size).toBe(1);
    // The store keeps when it fired and reads the latest level.
    const a = await analyse(c.events, c.incident);
    expect(a.candidates.flatMap((k) => k.evidence)).toContain(
      `${SEARCH} began failing at ${new Date((T0 + 600) * 1000).toISOString()} (latency alert ${(sent[0]?.data as { alert: string }).alert})`,
    );
  });

  it('fires a series already out when the window opens at its first sample, saying its onset was not seen', () => {
    const found = detect(fitDetector([baseline]), issueMetrics);
    expect(found.filter((d) => d.node === ORDERS)).toEqual([expect.objectContaining({ signal: 'latency', at: T0, onsetObserved: false })]);
    const c = convertIssue(parseGraph(graphCsv()), fitDetector([baseline]), issueMetrics, issue(''), 'no-changes');
    const orders = c.events.filter((e) => e.type === 'alert.fired' && (e.data as { service: string }).service === ORDERS);
    expect(orders.map((e) => (e.data as { onsetObserved?: boolean }).onsetObserved)).toEqual([false]);
    const search = c.events.filter((e) => e.type === 'alert.fired' && (e.data as { service: string }).service === SEARCH);
    expect(search.every((e) => !('onsetObserved' in (e.data as object)))).toBe(true);
  });

  it('reads the injection: a parameter is a config change, edited files and a deploy are a deploy, load is no change', () => {
    expect(parseInjection("aws ssm put-parameter --name '/petstore/searchdelay' --value '1000' --overwrite", NODES)).toEqual({ kind: 'config', service: SEARCH, key: '/petstore/searchdelay', value: '1000' });
    expect(parseInjection("sed -i 's/a/b/' orders/src/handler.js && ./deploy.sh", NODES)).toMatchObject({ kind: 'deploy', service: ORDERS });
    expect(parseInjection('hey -z 10m -c 500 http://web/', NODES)).toMatchObject({ kind: 'none' });
  });

  it('names a parameter by its own name, not by the namespace every parameter shares', () => {
    // `/petstore/` would match any node whose name starts with "pets"; the parameter's own name names none here.
    expect(parseInjection("aws ssm put-parameter --name '/petstore/errormode1' --value 'true' --overwrite", [...NODES, 'PetSearch_AWS::ECS::Fargate'])).toMatchObject({ kind: 'none' });
    expect(parseInjection("aws ssm put-parameter --name '/petstore/ordersdelay' --value '500' --overwrite", NODES)).toMatchObject({ kind: 'config', service: ORDERS });
  });

  it('reads sed with flags before -i as a deploy, on the node that runs the edited code', () => {
    const lambda = 'statusupdater_AWS::Lambda::Function';
    const stage = 'StatusUpdater/prod_AWS::ApiGateway::Stage';
    const cmd = "sed -E -i 's/sleep\\(([0-9]+)/sleep(500/g' ../../statusupdater/index.js && cdk deploy --context admin_role=arn:aws:iam::XXX:role/workshop-admin Services";
    // The API stage shares the name but runs no code: the deploy lands on the function.
    expect(parseInjection(cmd, [...NODES, stage, 'statusupdater_AWS::Lambda', lambda])).toEqual({ kind: 'deploy', service: lambda, summary: '../../statusupdater/index.js' });
  });

  it('turns a load balancer in front of a node into client-side alerts of its caller on calls to that node', () => {
    const c = convertIssue(parseGraph(graphCsv()), fitDetector([baseline]), issueMetrics, issue(''), 'no-changes');
    const elbAlerts = c.events.filter((e) => e.type === 'alert.fired' && (e.data as { dependency?: string }).dependency === SEARCH);
    expect(elbAlerts.map((e) => (e.data as { service: string }).service)).toEqual([WEB]);
  });

  it('names the changed service first with the change, and still the failing service without it', async () => {
    const g = parseGraph(graphCsv());
    const det = fitDetector([baseline]);
    const cmd = "aws ssm put-parameter --name '/petstore/searchdelay' --value '1000' --overwrite";
    const withChange = convertIssue(g, det, issueMetrics, issue(cmd), 'changes');
    const a = await analyse(withChange.events, withChange.incident);
    expect(a.candidates[0]?.cause.kind).toBe('config');
    expect(a.candidates[0]?.service).toBe(SEARCH);

    const without = convertIssue(g, det, issueMetrics, issue(cmd), 'no-changes');
    expect(without.events.some((e) => e.type === 'config.changed' || e.type === 'deploy.started')).toBe(false);
    expect((await analyse(without.events, without.incident)).candidates[0]?.service).toBe(SEARCH);
  });

  it('adds two innocent changes on other nodes in the decoy variant, the same ones every run', () => {
    const g = parseGraph(graphCsv());
    const det = fitDetector([baseline]);
    const cmd = "aws ssm put-parameter --name '/petstore/searchdelay' --value '1000' --overwrite";
    const changesOf = (events: readonly { type: string; data: unknown }[]) =>
      events.filter((e) => e.type === 'config.changed' || e.type === 'deploy.started').map((e) => (e.data as { service: string }).service);
    const once = changesOf(convertIssue(g, det, issueMetrics, issue(cmd), 'decoys').events);
    expect(once).toHaveLength(3);
    expect(once.filter((s) => s === SEARCH)).toHaveLength(1);
    expect(changesOf(convertIssue(g, det, issueMetrics, issue(cmd), 'decoys').events)).toEqual(once);
  });

  it('says which field of target.json is missing', () => {
    expect(() => parseTarget('tiny', 'test', 'issue_3', { target: { node: 'x', metric: 'latency' } })).toThrow('tiny/test/issue_3/target.json: target.timestamp must be a number');
  });
});
