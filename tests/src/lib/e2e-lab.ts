/** Brings the e2e lab up before a test file's tests and down after them (KUBELAB_E2E_KEEP=1 keeps it). */
import { after, before } from 'node:test';
import { labDown, labUp } from '@kubelab/cli/lab';
import { E2E_ENV } from './lab.js';
import { kubectl, kubectlJson, kubectlOk, run, type RunResult } from './kubectl.js';

export interface E2eLab {
  kubeconfig: string;
  k(args: string[], input?: string): Promise<RunResult>;
  kOk(args: string[], input?: string): Promise<string>;
  kJson<T>(args: string[]): Promise<T>;
}

/** `env`: more settings for this file's lab (over E2E_ENV); `ha`: the HA profile (`up --ha`). */
export function useE2eLab(nodes = 2, env: Record<string, string> = {}, o: { ha?: boolean } = {}): E2eLab {
  const lab: E2eLab = {
    kubeconfig: '',
    k: (args, input) => kubectl(args, { kubeconfig: lab.kubeconfig, input }),
    kOk: (args, input) => kubectlOk(args, { kubeconfig: lab.kubeconfig, input }),
    kJson: (args) => kubectlJson(args, { kubeconfig: lab.kubeconfig }),
  };
  before(async () => {
    const up = await labUp({
      project: E2E_ENV.KUBELAB_PROJECT,
      apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
      nodes,
      env: { ...E2E_ENV, ...env },
      mergeKubeconfig: false,
      build: false,
      ...(o.ha ? { ha: true, timeoutMs: 5 * 60_000 } : {}),
    });
    lab.kubeconfig = up.kubeconfig;
    console.log(`  lab up${o.ha ? ' (HA)' : ''} in ${up.seconds.toFixed(1)}s, kubeconfig ${up.kubeconfig}`);
  });
  after(async () => {
    if (process.env.KUBELAB_E2E_KEEP !== '1') await labDown({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV });
  });
  return lab;
}

/** IDs of a compose service's containers (by compose's labels, so either compose version works). */
export async function serviceContainers(service: string): Promise<string[]> {
  const r = await run('docker', [
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${E2E_ENV.KUBELAB_PROJECT}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ]);
  if (r.code !== 0) throw new Error(`docker ps: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

/**
 * The highest restart count among the Docker containers of a pod's container (the kubelet labels
 * each instance with it and removes older dead ones, so counting instances would not do); -1 if none.
 */
export async function latestRestartCount(pod: string, container: string): Promise<number> {
  const r = await run('docker', [
    'ps',
    '-a',
    '--format',
    '{{.Label "io.kubelab.restart-count"}}',
    '--filter',
    `label=io.kubelab.cluster=${E2E_ENV.KUBELAB_CLUSTER}`,
    '--filter',
    `label=io.kubernetes.pod.name=${pod}`,
    '--filter',
    `label=io.kubernetes.container.name=${container}`,
  ]);
  if (r.code !== 0) throw new Error(`docker ps: ${r.stderr}`);
  return Math.max(
    -1,
    ...r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number),
  );
}

/** IDs of the running containers of the lab's pods. */
export async function podContainers(): Promise<string[]> {
  const r = await run('docker', [
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=io.kubelab.cluster=${E2E_ENV.KUBELAB_CLUSTER}`,
    '--filter',
    'label=io.kubernetes.pod.uid',
  ]);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .sort();
}
