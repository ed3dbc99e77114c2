import { createMemorySharedState } from '../../src/control/shared-state/memory.js';
import { sharedStateSuite } from './control-shared-state.suite.js';

sharedStateSuite('in-process', () => Promise.resolve(createMemorySharedState()));
