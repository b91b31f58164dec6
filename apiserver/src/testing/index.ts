/**
 * Test support other workspaces may use from their unit tests (devDependency `@kubelab/apiserver`):
 * the apiserver in process, an informer cache that follows it, a queue the test drives, a manual clock.
 */
export { FakeCache } from './cache.js';
export { ManualClock } from './clock.js';
export { InProcessApi, type Call, type InProcessOptions, type Listener } from './inprocess.js';
export { drain, ManualQueue, type Reconciler } from './queue.js';
