/**
 * `kubelab node delete NAME`: cordon and drain the node (drain.ts), remove its kubelet container
 * and the containers of the pods it still ran, delete the Node object and the pods still bound to
 * it (DaemonSet pods: their controller makes none for a node that is gone). The name given to
 * `node add --hollow N` removes its container and all N hollow nodes with their pods at once
 * (simulated pods: nothing to drain).
 */
import { apiRequest, type ApiAccess } from './api-get.js';
import type { LabDocker } from './docker.js';
import { drainNode, nodePods, type ApiCall } from './drain.js';
import { hollowNodeNames } from './join.js';
import { CLUSTER_LABEL, COMPONENT_LABEL, COMPOSE_PROJECT_LABEL, HOLLOW_LABEL } from './labels.js';
import { since, type Log } from './output.js';
import type { LabSettings } from './settings.js';

/** The label the kubelet puts on its pods' containers. */
export const NODE_LABEL = 'io.kubelab.node';

/** A kubelet container's node name: its name, with compose's `_` as `-` (the kubelet's own rule). */
export const nodeNameOf = (containerName: string): string =>
  containerName.replace(/^\/+/, '').toLowerCase().replace(/_/g, '-');

export function apiCall(api: ApiAccess): ApiCall {
  return async (method, path, body) => {
    const r = await apiRequest(api, method, path, body, 10_000);
    if (!r) throw new Error(`the apiserver at ${api.url} does not answer (${method} ${path})`);
    return r;
  };
}

export interface NodeDeleteOptions {
  force?: boolean;
  timeoutMs?: number;
  log: Log;
}

export async function deleteNode(
  docker: LabDocker,
  s: LabSettings,
  call: ApiCall,
  name: string,
  o: NodeDeleteOptions,
): Promise<void> {
  const t0 = Date.now();
  const log = o.log;
  const kubelets = await docker.containers([`${CLUSTER_LABEL}=${s.cluster}`, `${COMPONENT_LABEL}=kubelet`]);
  const kubelet = kubelets.find((c) => nodeNameOf(c.name) === name);
  if (kubelet?.labels[HOLLOW_LABEL])
    return deleteHollow(docker, call, kubelet, name, Number(kubelet.labels[HOLLOW_LABEL]), log, t0);
  const owner = kubelets.find(
    (c) => c.labels[HOLLOW_LABEL] && hollowNodeNames(nodeNameOf(c.name), Number(c.labels[HOLLOW_LABEL])).includes(name),
  );
  if (owner)
    throw new Error(
      `node ${name} is one of the hollow nodes of ${nodeNameOf(owner.name)}: ./kubelab node delete ${nodeNameOf(owner.name)} removes them all (one kubelet runs them)`,
    );
  const got = await call('GET', `/api/v1/nodes/${encodeURIComponent(name)}`);
  if (got.status !== 200 && got.status !== 404) throw new Error(`nodes "${name}": HTTP ${got.status}`);
  if (got.status === 404 && !kubelet)
    throw new Error(`nodes "${name}" not found in lab ${s.project} (kubectl get nodes lists them)`);
  if (got.status === 200) {
    const kubeletGone = kubelet?.state !== 'running';
    if (kubeletGone)
      log(
        `the kubelet of node ${name} is not running: its pods are deleted at once (grace period 0) after their eviction`,
      );
    await drainNode(call, name, { force: o.force, kubeletGone, deadline: t0 + (o.timeoutMs ?? 300_000), log });
  }
  if (kubelet) {
    await docker.removeContainer(kubelet.id);
    log(`removed the kubelet container ${kubelet.name}`);
  }
  const left = await docker.containers([`${CLUSTER_LABEL}=${s.cluster}`, `${NODE_LABEL}=${name}`]);
  for (const c of left) await docker.removeContainer(c.id);
  if (left.length) log(`removed ${left.length} container(s) of the pods the node still ran`);
  await deleteNodeObject(call, name);
  log(`node "${name}" deleted (${since(t0)})`);
  if (kubelet && COMPOSE_PROJECT_LABEL in kubelet.labels) {
    log(
      `${kubelet.name} was one of compose's kubelet replicas: ./kubelab up (or docker compose up -d --scale kubelet=N) makes it again`,
    );
  }
}

/** The Node object, then the pods still bound to it (at once: no kubelet will stop them). */
async function deleteNodeObject(call: ApiCall, name: string): Promise<void> {
  const del = await call('DELETE', `/api/v1/nodes/${encodeURIComponent(name)}`);
  if (del.status !== 200 && del.status !== 202 && del.status !== 404)
    throw new Error(`deleting node ${name}: HTTP ${del.status}`);
  for (const p of await nodePods(call, name)) {
    await call(
      'DELETE',
      `/api/v1/namespaces/${encodeURIComponent(p.metadata.namespace)}/pods/${encodeURIComponent(p.metadata.name)}`,
      { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 },
    );
  }
}

async function deleteHollow(
  docker: LabDocker,
  call: ApiCall,
  kubelet: { id: string; name: string },
  name: string,
  count: number,
  log: Log,
  t0: number,
): Promise<void> {
  await docker.removeContainer(kubelet.id);
  log(`removed the kubelet container ${kubelet.name} (${count} hollow nodes)`);
  for (const n of hollowNodeNames(name, count)) await deleteNodeObject(call, n);
  log(`${count} hollow nodes ${name}-0 … ${name}-${count - 1} deleted with their pods (${since(t0)})`);
}
