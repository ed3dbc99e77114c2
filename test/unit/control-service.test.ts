import { createMemorySharedState } from '../../src/control/shared-state/memory.js';
import { controlServiceSuite } from './control-service.suite.js';

controlServiceSuite('in-process shared state', () => Promise.resolve(createMemorySharedState()));
