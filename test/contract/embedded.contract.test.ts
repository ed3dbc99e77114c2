import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { graphStoreContract } from './graph-store.contract.js';

graphStoreContract('embedded, in memory', async () => {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  return { store, close: () => store.close() };
});

// The same behaviour with the log on disk; a small snapshot interval so snapshots happen too.
graphStoreContract('embedded, with a data directory', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ctxgraph-contract-'));
  const { store } = await EmbeddedStore.open({ dataDir, snapshotEveryEvents: 5 });
  return {
    store,
    async close() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
