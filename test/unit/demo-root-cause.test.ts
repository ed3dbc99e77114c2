/**
 * The demo's two incidents, as the README tells them: rootCause names the bad inventory deploy for
 * INC-2041 and the cache TTL cut, woken by the evening surge, for INC-2042, each with its chain and
 * the action that undoes it.
 */
import { describe, expect, it } from 'vitest';
import { demoEvents, DEMO_INCIDENTS } from '../../bench/demo.js';
import { checkRemedies, rootCause } from '../../src/analysis/root-cause.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';

async function answer(incident: string) {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  const r = await createPipeline({ store }).ingest(demoEvents());
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const a = await rootCause(store, { incident, limit: 3 });
  if (!a.ok) throw new Error(JSON.stringify(a.error));
  // As the API answers now: both incidents were resolved by doing what the remedy says.
  const now = Date.now();
  return (await checkRemedies(store, a.analysis, { at: now, knownAt: now })).candidates[0];
}

describe('the demo incidents', () => {
  it('names the inventory deploy for INC-2041, through inventory to checkout', async () => {
    const top = await answer(DEMO_INCIDENTS.inventory);
    expect(top?.cause.kind).toBe('deploy');
    expect(top?.chain.slice(1).map((r) => r.id)).toEqual(['inventory', 'checkout']);
    expect(top?.remedy).toMatchObject({ kind: 'ROLLBACK', service: 'inventory', parameters: { deploy: top?.cause.id, toVersion: 'v4.16.3' } });
    expect(top?.remedy?.done).toBe(`deploy ${top?.cause.id} was rolled back at 2026-03-04T14:31:00.000Z`);
  });

  it('names the TTL cut for INC-2042, woken by the web-edge surge, through catalog-db', async () => {
    const top = await answer(DEMO_INCIDENTS.cache);
    expect(top?.cause.kind).toBe('config');
    expect(top?.chain.slice(1).map((r) => r.id)).toEqual(['catalog-db', 'catalog', 'storefront-bff']);
    expect(top?.evidence.some((l) => l.startsWith('traffic surge alert alert-web-edge-traffic on web-edge'))).toBe(true);
    // Undo the cut: the TTL back to an hour, on the setting's scope.
    expect(top?.remedy).toMatchObject({ kind: 'CONFIG_CHANGE', service: 'catalog', parameters: { key: 'cache.catalog-cache.ttl_seconds', value: 3600 }, services: ['pricing'], dependency: 'catalog-cache' });
    expect(top?.remedy?.done).toBe('cache.catalog-cache.ttl_seconds was set again by change-catalog-03051924 at 2026-03-05T19:24:00.000Z (to 3600)');
  });
});
