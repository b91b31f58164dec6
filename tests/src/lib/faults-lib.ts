/**
 * Helpers of the fault suite (faults*.e2e.ts): its lab, its workloads, a NodePort URL, writes that
 * record what was acknowledged.
 */
import { afterEach, before } from 'node:test';
import type { AckedWrite } from '@kubelab/client/watch-history';
import {
  ApiError,
  attach,
  httpProbe,
  rolledOut,
  stopExperiments,
  waitFor,
  type LabClient,
  type Pod,
  type TestLab,
} from '@kubelab/testkit';
import { useE2eLab } from './e2e-lab.js';
import { run } from './kubectl.js';
import { E2E_ENV } from './lab.js';

/** Short node-lifecycle timings, so that a lost kubelet is noticed within seconds. */
export const FAULT_TIMINGS = {
  KUBELAB_NODE_GRACE_SECONDS: '16',
  KUBELAB_POD_EVICTION_SECONDS: '4',
  KUBELAB_NODE_MONITOR_PERIOD_SECONDS: '2',
};

export interface FaultLab {
  /** Set once the file's first `before` has run. */
  lab: TestLab;
  /** Deployment web's NodePort on the host. */
  url: string;
  /** A check: web rolled out with `n` pods available. */
  webAvailable(n: number): () => Promise<boolean>;
}

/**
 * A 2-node lab for a fault suite file (its own, with FAULT_TIMINGS), running Deployment web (3
 * replicas) on a NodePort; after each scenario, even one that failed half-way, every fault healed.
 */
export function useFaultLab(): FaultLab {
  useE2eLab(2, FAULT_TIMINGS);
  const f: FaultLab = {
    lab: undefined as unknown as TestLab,
    url: '',
    webAvailable: (n) => async () => {
      const d = await f.lab.client.deployment('web');
      return rolledOut(d) && d.status.availableReplicas === n;
    },
  };
  afterEach(async () => {
    stopExperiments();
    await f.lab?.healAll();
  });
  before(async () => {
    f.lab = await attach({ project: E2E_ENV.KUBELAB_PROJECT, env: { ...E2E_ENV, ...FAULT_TIMINGS } });
    await f.lab.apply(deployment('web', 3));
    f.url = await nodePortUrl(f.lab, 'web');
    await waitFor(f.webAvailable(3), { timeout: 120_000, what: 'web available' });
    await waitFor(() => httpProbe('web', f.url).check(), { timeout: 60_000, what: `${f.url} answering` });
  });
  return f;
}

export const deployment = (name: string, replicas: number, env = 'v1') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  strategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: 1}}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: echo, image: kubelab/echo, ports: [{containerPort: 80}], env: [{name: VERSION, value: ${env}}]}
`;

/** Exposes a Deployment on a NodePort and returns its URL on the host. */
export async function nodePortUrl(lab: TestLab, name: string): Promise<string> {
  await lab.kubectl(['expose', 'deployment', name, '--type=NodePort', '--port=80']);
  const svc = await lab.client.get<{ spec: { ports: { nodePort: number }[] } }>(
    `/api/v1/namespaces/default/services/${name}`,
  );
  return `http://127.0.0.1:${svc.spec.ports[0]!.nodePort}/`;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Prints a scenario's recovery time with the bound it must meet, and returns whether it did. */
export function recovered(scenario: string, ms: number, boundMs: number): boolean {
  console.log(`  [fault suite] ${scenario}: recovered in ${seconds(ms)} (bound ${seconds(boundMs)})`);
  return ms <= boundMs;
}

/** Creates ConfigMap `name` (or updates it when `rv` is given); the acknowledged write, or undefined when refused. */
export async function writeConfigMap(
  client: LabClient,
  ns: string,
  name: string,
  value: string,
): Promise<AckedWrite | undefined> {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { value } };
  try {
    const made = await client.request<{ metadata: { resourceVersion: string } }>(
      'POST',
      `/api/v1/namespaces/${ns}/configmaps`,
      body,
      5000,
    );
    return { key: `${ns}/${name}`, rv: Number(made.metadata.resourceVersion), type: 'put' };
  } catch (err) {
    if (err instanceof ApiError) return undefined; // refused or no answer: not acknowledged
    throw err;
  }
}

/** Pods that count: not being deleted. */
export const live = (pods: Pod[]): Pod[] => pods.filter((p) => !p.metadata.deletionTimestamp);

/** Nodes of the running pods of an app, with how many on each. */
export function spread(pods: Pod[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of live(pods)) out[p.spec.nodeName ?? '(none)'] = (out[p.spec.nodeName ?? '(none)'] ?? 0) + 1;
  return out;
}

/** The running app containers (not sandboxes) of the lab's pods in Docker, counted by pod name. */
export async function runningPodContainers(): Promise<Map<string, number>> {
  const r = await run('docker', [
    'ps',
    '--format',
    '{{.Label "io.kubernetes.pod.name"}} {{.Label "io.kubernetes.container.name"}}',
    '--filter',
    `label=io.kubelab.cluster=${E2E_ENV.KUBELAB_CLUSTER}`,
    '--filter',
    'label=io.kubernetes.pod.uid',
  ]);
  if (r.code !== 0) throw new Error(`docker ps: ${r.stderr}`);
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const [pod, container] = line.trim().split(' ');
    if (pod && container && container !== 'POD') out.set(pod, (out.get(pod) ?? 0) + 1);
  }
  return out;
}
