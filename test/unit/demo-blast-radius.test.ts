/**
 * The demo's cache TTL as the README asks about it: named only by its key, its blast radius takes
 * the setting's known scope from its last change (shared with pricing, governing calls to
 * catalog-cache, so catalog-db behind the cache), and its history is that setting's changes.
 */
import { expect, it } from 'vitest';
import { demoEvents } from '../../bench/demo.js';
import { createBlastRadiusReader } from '../../src/analysis/blast-radius-slice.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';

it("reaches the database behind the demo's cache when its TTL setting is named by key", async () => {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  const r = await createPipeline({ store }).ingest(demoEvents());
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const reader = createBlastRadiusReader({ reader: store, now: Date.now });
  const ask = async (key: string | null) => {
    const br = await reader.compute({ kind: 'CONFIG_CHANGE', service: 'catalog', key }, { at: null, knownAt: END_OF_TIME });
    if (!br.ok) throw new Error(br.message);
    return br.blastRadius;
  };
  const ttl = await ask('cache.catalog-cache.ttl_seconds');
  expect(ttl.touched.map((t) => [t.service, t.reason, t.via])).toEqual([
    ['catalog', 'target', null],
    ['pricing', 'shared', null],
    ['catalog-cache', 'dependency', null],
    ['catalog-db', 'cache-aside', 'catalog-cache'],
  ]);
  expect(ttl.history).toMatchObject({ count: 3, rollbacks: 1 });
  const alone = await ask(null);
  expect(alone.touched.map((t) => t.service)).toEqual(['catalog']);
  expect(alone.services.map((s) => s.service)).not.toContain('catalog-db');
  expect(ttl.services.length).toBeGreaterThan(alone.services.length);
  expect(ttl.trafficShare ?? 0).toBeGreaterThan(alone.trafficShare ?? 0);
});
