/**
 * `kubelab export logs [DIR]` (as `kind export logs`): everything a bug report needs, in DIR —
 * each component's and kubelet's container log, each pod container's log, `docker inspect` of
 * every container of the lab, the cluster's state through the API (nodes, events, workloads,
 * services …, as `kubectl get -A -o yaml` writes them; Secrets left out), and `status`.
 */
import { openSync, closeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ApiResponse } from './api-get.js';
import type { LabContainer, LabDocker } from './docker.js';
import { run } from './exec.js';
import {
  CLUSTER_LABEL,
  COMPONENT_LABEL,
  POD_CONTAINER_LABEL,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  SANDBOX_CONTAINER,
} from './labels.js';

/** [group/version, resource, kind] listed across all namespaces. */
export const EXPORTED: [string, string, string][] = [
  ['v1', 'nodes', 'Node'],
  ['v1', 'namespaces', 'Namespace'],
  ['v1', 'pods', 'Pod'],
  ['v1', 'events', 'Event'],
  ['v1', 'services', 'Service'],
  ['v1', 'endpoints', 'Endpoints'],
  ['v1', 'configmaps', 'ConfigMap'],
  ['v1', 'serviceaccounts', 'ServiceAccount'],
  ['v1', 'persistentvolumes', 'PersistentVolume'],
  ['v1', 'persistentvolumeclaims', 'PersistentVolumeClaim'],
  ['apps/v1', 'deployments', 'Deployment'],
  ['apps/v1', 'replicasets', 'ReplicaSet'],
  ['apps/v1', 'daemonsets', 'DaemonSet'],
  ['apps/v1', 'statefulsets', 'StatefulSet'],
  ['batch/v1', 'jobs', 'Job'],
  ['batch/v1', 'cronjobs', 'CronJob'],
  ['discovery.k8s.io/v1', 'endpointslices', 'EndpointSlice'],
  ['networking.k8s.io/v1', 'ingresses', 'Ingress'],
  ['policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget'],
  ['autoscaling/v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'],
  ['coordination.k8s.io/v1', 'leases', 'Lease'],
  ['storage.k8s.io/v1', 'storageclasses', 'StorageClass'],
];

export const listPath = (gv: string, resource: string): string =>
  `${gv === 'v1' ? '/api/v1' : `/apis/${gv}`}/${resource}`;

/** A REST list as kubectl writes it: kind List, each item with its apiVersion and kind. */
export function asKubectlList(
  body: unknown,
  gv: string,
  kind: string,
): { apiVersion: string; kind: string; items: unknown[] } {
  const items = ((body as { items?: Record<string, unknown>[] } | undefined)?.items ?? []).map((i) => ({
    apiVersion: gv,
    kind,
    ...i,
  }));
  return { apiVersion: 'v1', kind: 'List', items };
}

/** A file name from any string: what is not [A-Za-z0-9._-] becomes _. */
export const fileName = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');

/** Where a container's log goes: components/<name>.log, pods/<ns>_<pod>/<container>-<id>.log, or nowhere (sandboxes). */
export function logFile(c: LabContainer): string | undefined {
  const pod = c.labels[POD_NAME_LABEL];
  if (pod !== undefined) {
    const container = c.labels[POD_CONTAINER_LABEL] ?? 'container';
    if (container === SANDBOX_CONTAINER) return undefined;
    return join(
      'pods',
      fileName(`${c.labels[POD_NAMESPACE_LABEL] ?? 'default'}_${pod}`),
      `${fileName(container)}-${c.id.slice(0, 12)}.log`,
    );
  }
  return COMPONENT_LABEL in c.labels ? join('components', `${fileName(c.name)}.log`) : undefined;
}

/** `docker logs` of a container into a file, stdout and stderr interleaved as they were written. */
function dockerLogs(id: string, file: string): Promise<void> {
  const fd = openSync(file, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['logs', '--timestamps', id], { stdio: ['ignore', fd, fd] });
    child.on('error', (err) => {
      closeSync(fd);
      reject(err);
    });
    child.on('close', () => {
      closeSync(fd);
      resolve();
    });
  });
}

export interface ExportDeps {
  docker: LabDocker;
  cluster: string;
  /** One API GET; undefined when the apiserver does not answer. */
  get: (path: string) => Promise<ApiResponse | undefined>;
  /** The lab's status as `kubelab status` prints it. */
  status: () => Promise<string>;
  version: string;
}

/** Writes everything into dir; returns the notes (what could not be exported, and why). */
export async function exportLogs(d: ExportDeps, dir: string): Promise<string[]> {
  const notes: string[] = [];
  const containers = await d.docker.containers([`${CLUSTER_LABEL}=${d.cluster}`]);
  await mkdir(join(dir, 'components'), { recursive: true });
  await mkdir(join(dir, 'cluster'), { recursive: true });
  for (const c of containers) {
    const file = logFile(c);
    if (!file) continue;
    await mkdir(join(dir, file, '..'), { recursive: true });
    await dockerLogs(c.id, join(dir, file));
  }
  if (containers.length) {
    const inspect = await run('docker', ['inspect', ...containers.map((c) => c.id)]);
    await writeFile(join(dir, 'docker-inspect.json'), inspect.stdout);
    if (inspect.code !== 0) notes.push(`docker inspect: ${inspect.stderr.trim()}`);
  } else notes.push(`no container carries ${CLUSTER_LABEL}=${d.cluster}`);
  for (const [gv, resource, kind] of EXPORTED) {
    const r = await d.get(listPath(gv, resource));
    if (!r) {
      notes.push(`${resource}: the apiserver does not answer`);
      if (resource === 'nodes') break;
      continue;
    }
    if (r.status !== 200) {
      notes.push(`${resource}: HTTP ${r.status}`);
      continue;
    }
    await writeFile(join(dir, 'cluster', `${resource}.yaml`), stringify(asKubectlList(r.body, gv, kind)));
  }
  await writeFile(join(dir, 'status.txt'), await d.status());
  await writeFile(join(dir, 'kubelab-version.txt'), `${d.version}\n`);
  if (notes.length) await writeFile(join(dir, 'notes.txt'), `${notes.join('\n')}\n`);
  return notes;
}
