/** Test support other workspaces may use from their unit tests (devDependency `@kubelab/apiserver`). */
export { ManualClock } from './clock.js';
export { InProcessApi, type Call, type InProcessOptions, type Listener } from './inprocess.js';
