/**
 * Cordon and drain a node as `kubectl drain --ignore-daemonsets --delete-emptydir-data` does:
 * mark it unschedulable, evict its pods (policy/v1 Eviction, retried every 5 s while a
 * PodDisruptionBudget refuses) so their controllers replace them on other nodes, and wait until
 * they are gone. DaemonSet pods and mirror pods stay; a pod no controller owns stops the drain
 * unless `force`. Messages are kubectl's.
 */
import type { ApiResponse } from './api-get.js';
import type { Log } from './output.js';

/** One API call; throws when the apiserver does not answer. */
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

export interface DrainPod {
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; controller?: boolean }[];
    deletionTimestamp?: string;
  };
  spec?: { volumes?: { emptyDir?: unknown }[] };
  status?: { phase?: string };
}

export interface DrainPlan {
  evict: DrainPod[];
  /** kubectl's warnings ("ignoring DaemonSet-managed Pods: ns/a, ns/b"). */
  warnings: string[];
  /** Why the drain cannot go on (pods no controller owns, without force). */
  errors: string[];
}

const key = (p: DrainPod): string => `${p.metadata.namespace}/${p.metadata.name}`;
const controller = (p: DrainPod) => (p.metadata.ownerReferences ?? []).find((o) => o.controller);

/** Which of the node's pods go, and what kubectl would say about the others. */
export function planDrain(pods: DrainPod[], force = false): DrainPlan {
  const daemon: string[] = [];
  const unmanaged: string[] = [];
  const local: string[] = [];
  const evict: DrainPod[] = [];
  for (const p of pods) {
    if (p.metadata.annotations?.['kubernetes.io/config.mirror']) continue;
    const finished = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    const owner = controller(p);
    if (owner?.kind === 'DaemonSet' && !finished) {
      daemon.push(key(p));
      continue;
    }
    if (!owner && !finished) unmanaged.push(key(p));
    if ((p.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined) && !finished) local.push(key(p));
    evict.push(p);
  }
  const warnings: string[] = [];
  const errors: string[] = [];
  if (daemon.length) warnings.push(`ignoring DaemonSet-managed Pods: ${daemon.join(', ')}`);
  if (unmanaged.length && force) warnings.push(`deleting Pods that declare no controller: ${unmanaged.join(', ')}`);
  if (unmanaged.length && !force)
    errors.push(`cannot delete Pods that declare no controller (use --force to override): ${unmanaged.join(', ')}`);
  if (local.length) warnings.push(`deleting Pods with local storage: ${local.join(', ')}`);
  return { evict, warnings, errors };
}

const nodePath = (name: string): string => `/api/v1/nodes/${encodeURIComponent(name)}`;
const podPath = (p: DrainPod): string =>
  `/api/v1/namespaces/${encodeURIComponent(p.metadata.namespace)}/pods/${encodeURIComponent(p.metadata.name)}`;
const message = (r: ApiResponse): string => (r.body as { message?: string } | undefined)?.message ?? `HTTP ${r.status}`;

/** Sets spec.unschedulable (kubectl cordon), retrying write conflicts. */
export async function cordon(call: ApiCall, name: string, log: Log): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const got = await call('GET', nodePath(name));
    if (got.status !== 200) throw new Error(`nodes "${name}": ${message(got)}`);
    const node = got.body as { spec?: { unschedulable?: boolean } };
    if (node.spec?.unschedulable) {
      log(`node/${name} already cordoned`);
      return;
    }
    const put = await call('PUT', nodePath(name), { ...node, spec: { ...(node.spec ?? {}), unschedulable: true } });
    if (put.status === 200) {
      log(`node/${name} cordoned`);
      return;
    }
    if (put.status !== 409 || attempt >= 5) throw new Error(`cordoning node ${name}: ${message(put)}`);
  }
}

export async function nodePods(call: ApiCall, name: string): Promise<DrainPod[]> {
  const r = await call('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`);
  if (r.status !== 200) throw new Error(`listing the pods of node ${name}: ${message(r)}`);
  return ((r.body as { items?: DrainPod[] }).items ?? []).filter((p) => p.metadata?.name);
}

export interface DrainOptions {
  force?: boolean;
  /** The node's kubelet is not running: nobody would finish a graceful deletion, so evicted pods are deleted at once (grace 0). */
  kubeletGone?: boolean;
  deadline: number;
  log: Log;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function evict(call: ApiCall, p: DrainPod, o: DrainOptions): Promise<void> {
  const sleep = o.sleep ?? pause;
  const now = o.now ?? Date.now;
  o.log(`evicting pod ${key(p)}`);
  for (;;) {
    const r = await call('POST', `${podPath(p)}/eviction`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: p.metadata.name, namespace: p.metadata.namespace },
    });
    if (r.status === 200 || r.status === 201 || r.status === 404) return;
    if (r.status !== 429)
      throw new Error(`error when evicting pods/"${p.metadata.name}" -n "${p.metadata.namespace}": ${message(r)}`);
    if (now() >= o.deadline)
      throw new Error(
        `drain did not complete within the timeout: pods/"${p.metadata.name}" -n "${p.metadata.namespace}" cannot be evicted: ${message(r)}`,
      );
    o.log(
      `error when evicting pods/"${p.metadata.name}" -n "${p.metadata.namespace}" (will retry after 5s): ${message(r)}`,
    );
    await sleep(5000);
  }
}

async function waitGone(call: ApiCall, p: DrainPod, o: DrainOptions): Promise<void> {
  const sleep = o.sleep ?? pause;
  const now = o.now ?? Date.now;
  if (o.kubeletGone)
    await call('DELETE', podPath(p), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      preconditions: { uid: p.metadata.uid },
    });
  for (;;) {
    const r = await call('GET', podPath(p));
    const uid = (r.body as DrainPod | undefined)?.metadata?.uid;
    if (r.status === 404 || (r.status === 200 && uid !== p.metadata.uid)) {
      o.log(`pod/${p.metadata.name} evicted`);
      return;
    }
    if (now() >= o.deadline)
      throw new Error(
        `drain did not complete within the timeout: pod ${key(p)} is still there (its kubelet stops it within its terminationGracePeriodSeconds)`,
      );
    await sleep(1000);
  }
}

/** Cordons and drains the node (DaemonSet and mirror pods stay; node delete removes them). */
export async function drainNode(call: ApiCall, name: string, o: DrainOptions): Promise<void> {
  await cordon(call, name, o.log);
  const plan = planDrain(await nodePods(call, name), o.force);
  for (const w of plan.warnings) o.log(`Warning: ${w}`);
  if (plan.errors.length) throw new Error(`unable to drain node "${name}" due to error: ${plan.errors.join(', ')}`);
  await Promise.all(plan.evict.map((p) => evict(call, p, o)));
  await Promise.all(plan.evict.map((p) => waitGone(call, p, o)));
  o.log(`node/${name} drained`);
}
