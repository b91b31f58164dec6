/**
 * @kubelab/kubelet: one per node; registers the Node, keeps its Lease, and runs the pods bound
 * to it as Docker containers (a sandbox holding the pod IP + app containers in its network
 * namespace).
 *
 * Environment: KUBELAB_APISERVER, KUBELAB_CLUSTER, KUBELAB_NETWORK, KUBELAB_NODE_NAME,
 * KUBELAB_PAUSE_IMAGE, KUBELAB_PAUSE_COMMAND, KUBELAB_LEASE_SECONDS, KUBELAB_CRASHLOOP_BASE_SECONDS,
 * KUBELAB_CRASHLOOP_MAX_SECONDS, KUBELAB_NODE_CPU/MEMORY/PODS (capacity), KUBELAB_NODE_LABELS (k=v,..),
 * KUBELAB_NODE_TAINTS (k=v:Effect,..) and more: see config.ts.
 * KUBELAB_KUBELET_PORT (default 10250): the kubelet gRPC API (logs, exec, port-forward, stats), see server/.
 * Pod DNS (dns/poddns.ts): KUBELAB_CLUSTER_DNS (default the 10th address of KUBELAB_SERVICE_CIDR,
 * the kube-dns Service; `none`: pods get the node's resolver), KUBELAB_CLUSTER_DOMAIN (cluster.local).
 *
 * Hollow nodes (kubemark-style, for scale tests; see hollow.ts, runtime/hollow.ts):
 * KUBELAB_RUNTIME=hollow (or `--runtime=hollow`) runs pods without Docker (instant start, fake IPs
 * from KUBELAB_HOLLOW_POD_RANGE, default 10.200.0.0/16); KUBELAB_HOLLOW_NODES=N runs N nodes named
 * <KUBELAB_NODE_NAME or hollow-<hostname>>-0 … -(N-1) in one process. No kubelet API for them. E.g.
 *   docker run -d --network <lab network> --label io.kubelab.cluster=<cluster> \
 *     -e KUBELAB_CLUSTER=<cluster> -e KUBELAB_NETWORK=<lab network> -e KUBELAB_RUNTIME=hollow \
 *     -e KUBELAB_HOLLOW_NODES=50 -e KUBELAB_NODE_NAME=hollow kubelab/kubelab:dev node /app/kubelet/dist/main.js
 * (bench/hollow-scale.mjs does that against a lab and times 50 nodes + a 200-replica Deployment.)
 */
export * from './api.js';
export * from './config.js';
export * from './backoff.js';
export * from './images.js';
export * from './status.js';
export * from './statusmanager.js';
export * from './pod/syncer.js';
export * from './podworkers.js';
export * from './housekeeping.js';
export * from './nodeinfo.js';
export * from './node.js';
export * from './kubelet.js';
export * from './quantity.js';
export * from './runtime/runtime.js';
export * from './podspec.js';
export * from './runtime/dockerspec.js';
export * from './runtime/sandboxspec.js';
export * from './runtime/containerspec.js';
export * from './runtime/limiter.js';
export { DockerRuntime, type DockerRuntimeOptions } from './runtime/docker.js';
export { FakeRuntime, type FakeRuntimeOptions } from './runtime/fake.js';
export * from './runtime/hollow.js';
export * from './hollow.js';
export * from './probes/types.js';
export * from './probes/prober.js';
export * from './probes/manager.js';
export * from './probes/timers.js';
export * from './hooks.js';
export * from './pod/kill.js';
export * from './initstatus.js';
export * from './env/expand.js';
export * from './env/objects.js';
export * from './env/resolve.js';
export * from './env/services.js';
export * from './volumes/manager.js';
