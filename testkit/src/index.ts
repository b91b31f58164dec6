/** @kubelab/testkit: test an application against component failures of a kubelab lab. */
export { attach, bringUp, type AttachOptions, type BringUpOptions, type OwnedLab, type TestLab } from './lab.js';
export {
  LabClient,
  ApiError,
  isReady,
  rolledOut,
  type Pod,
  type Deployment,
  type Node,
  type ObjectMeta,
} from './client.js';
export { waitFor, type WaitOptions } from './wait.js';
export { describeFault, type Fault, type FaultHandle } from './fault.js';
export { httpProbe, httpAnswers, deploymentAvailable, customProbe, type Probe, type ProbeMode } from './probes.js';
export {
  startExperiment,
  stopExperiments,
  formatReport,
  type Experiment,
  type ExperimentOptions,
  type ExperimentReport,
  type ProbeResult,
} from './experiment.js';
export { recordWatch, type WatchRecording } from './watch.js';
