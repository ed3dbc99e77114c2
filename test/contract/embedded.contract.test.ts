import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { graphStoreContract } from './graph-store.contract.js';

graphStoreContract('embedded, in memory', async () => {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  return { store, close: () => store.close() };
});
