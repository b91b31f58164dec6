/** Upstream's defaults for pod specs and containers (SetDefaults_PodSpec, SetDefaults_Container, …). */
import type { KubeObject } from '../types.js';

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function setIfMissing(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
}

/** Always for ":latest" or untagged images (without digest), else IfNotPresent. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const tag = colon > lastSlash ? image.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: unknown): void {
  const probe = rec(p);
  if (!probe) return;
  setIfMissing(probe, 'timeoutSeconds', 1);
  setIfMissing(probe, 'periodSeconds', 10);
  setIfMissing(probe, 'successThreshold', 1);
  setIfMissing(probe, 'failureThreshold', 3);
  const http = rec(probe.httpGet);
  if (http) setIfMissing(http, 'scheme', 'HTTP');
}

export function defaultContainer(c: Obj): void {
  setIfMissing(
    c,
    'imagePullPolicy',
    typeof c.image === 'string' && c.image !== '' ? defaultPullPolicy(c.image) : 'IfNotPresent',
  );
  setIfMissing(c, 'terminationMessagePath', '/dev/termination-log');
  setIfMissing(c, 'terminationMessagePolicy', 'File');
  if (c.resources === undefined || c.resources === null) c.resources = {};
  if (Array.isArray(c.ports)) for (const p of c.ports) if (rec(p)) setIfMissing(p as Obj, 'protocol', 'TCP');
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

export function defaultPodSpec(specRaw: unknown): void {
  const spec = rec(specRaw);
  if (!spec) return;
  setIfMissing(spec, 'restartPolicy', 'Always');
  setIfMissing(spec, 'dnsPolicy', 'ClusterFirst');
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null)
    spec.terminationGracePeriodSeconds = 30;
  setIfMissing(spec, 'schedulerName', 'default-scheduler');
  if (spec.securityContext === undefined || spec.securityContext === null) spec.securityContext = {};
  for (const key of ['initContainers', 'containers']) {
    const list = spec[key];
    if (Array.isArray(list)) for (const c of list) if (rec(c)) defaultContainer(c as Obj);
  }
}

/** Pods (not templates) also get enableServiceLinks, and requests default to limits. */
export function defaultPod(pod: KubeObject): void {
  if (!rec(pod.spec)) pod.spec = {};
  const spec = pod.spec as Obj;
  defaultPodSpec(spec);
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  for (const key of ['initContainers', 'containers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      const res = rec(rec(c)?.resources);
      const limits = rec(res?.limits);
      if (!res || !limits) continue;
      const requests = rec(res.requests) ?? {};
      for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
      res.requests = requests;
    }
  }
}

/** Guaranteed when every container has equal cpu and memory requests and limits, BestEffort with none at all, else Burstable. */
export function podQOSClass(specRaw: unknown): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const spec = rec(specRaw) ?? {};
  const containers = [
    ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
    ...(Array.isArray(spec.containers) ? spec.containers : []),
  ].map((c) => rec(c) ?? {});
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = rec(c.resources) ?? {};
    const limits = rec(res.limits) ?? {};
    const requests = { ...limits, ...(rec(res.requests) ?? {}) };
    if (Object.keys(requests).length || Object.keys(limits).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined || String(limits[r]) !== String(requests[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
