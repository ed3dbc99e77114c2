/** Loads events into a fresh in-memory embedded store through the one ingestion pipeline. */
import { createPipeline } from '../../src/ingest/pipeline.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';

export async function loadStore(events: readonly unknown[], batch = 5_000): Promise<EmbeddedStore> {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  const pipeline = createPipeline({ store });
  for (let i = 0; i < events.length; i += batch) {
    const r = await pipeline.ingest(events.slice(i, i + batch));
    if (!r.ok) throw new Error(`benchmark events rejected: ${JSON.stringify(r.errors.slice(0, 3))}`);
  }
  return store;
}
