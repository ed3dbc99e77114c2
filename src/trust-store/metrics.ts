/**
 * The trust layer's gauges for `/metrics`: error budgets and burn rates by change kind and author
 * type, multi-window burn alerts, each agent's rung, and root-cause hit rates. They are computed at
 * scrape time from the trust service, so they are never stale and cost nothing between scrapes.
 *
 * @example
 * registerTrustMetrics(metrics.registry, trust); // in main.ts, after createMetrics and createTrustService
 */
import { Gauge, type Registry } from 'prom-client';
import { RUNGS } from '../trust/ladder.js';
import type { ServiceBudgets, TrustService } from './trust-service.js';

/** One computation per scrape, shared by the gauges that read it. */
function perScrape<T>(compute: () => Promise<T>, maxAgeMs = 1000): () => Promise<T | null> {
  let last: { at: number; value: Promise<T | null> } | null = null;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > maxAgeMs) last = { at: now, value: compute().catch(() => null) };
    return last.value;
  };
}

export function registerTrustMetrics(registry: Registry, trust: TrustService): void {
  const budgets = perScrape<ServiceBudgets>(() => trust.errorBudgets());
  const labels = ['kind', 'author_type'] as const;
  new Gauge({
    name: 'ctxgraph_error_budget_remaining_ratio',
    help: 'Share of the change error budget left over the SLO window (1 untouched, below 0 overspent).',
    labelNames: labels,
    registers: [registry],
    async collect() {
      this.reset();
      // A trust service that cannot answer leaves the gauge empty: absent beats stale.
      for (const b of (await budgets())?.budgets ?? []) this.set({ kind: b.kind, author_type: b.authorType }, b.budget.remaining);
    },
  });
  new Gauge({
    name: 'ctxgraph_error_budget_burn_rate',
    help: 'How fast the change error budget burns (1 = exactly over the SLO window), over 1h and 6h.',
    labelNames: [...labels, 'window'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const b of (await budgets())?.budgets ?? []) {
        this.set({ kind: b.kind, author_type: b.authorType, window: '1h' }, b.budget.burn1h);
        this.set({ kind: b.kind, author_type: b.authorType, window: '6h' }, b.budget.burn6h);
      }
    },
  });
  new Gauge({
    name: 'ctxgraph_error_budget_alert_firing',
    help: 'Multi-window burn-rate alerts (SRE workbook): 1 while both windows burn above the threshold.',
    labelNames: [...labels, 'rule', 'severity'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const b of (await budgets())?.budgets ?? []) {
        for (const a of b.budget.alerts) this.set({ kind: b.kind, author_type: b.authorType, rule: a.rule, severity: a.severity }, a.firing ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'ctxgraph_trust_rung',
    help: `Each agent's rung per service: ${RUNGS.map((r, i) => `${i} ${r}`).join(', ')}.`,
    labelNames: ['agent', 'service'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const states = await trust.ladders({}).catch(() => []);
      for (const s of states) this.set({ agent: s.agent, service: s.service }, RUNGS.indexOf(s.rung));
    },
  });
  new Gauge({
    name: 'ctxgraph_root_cause_hit_rate',
    help: 'Share of settled root-cause predictions whose true cause was in the top k candidates (ctxgraph and agents alike).',
    labelNames: ['top'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const c = await trust.calibration({}).catch(() => null);
      if (c?.top1Rate != null) this.set({ top: '1' }, c.top1Rate);
      if (c?.top3Rate != null) this.set({ top: '3' }, c.top3Rate);
    },
  });
}
