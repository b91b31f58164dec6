/** Upstream's Service defaults (SetDefaults_Service plus the registry's IP-family defaults for one IPv4 stack). */
import type { KubeObject } from '../types.js';

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function defaultService(svc: KubeObject): void {
  if (!rec(svc.spec)) svc.spec = {};
  const spec = svc.spec as Obj;
  if (!spec.type) spec.type = 'ClusterIP';
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = rec(spec.sessionAffinityConfig) ?? {};
    const client = rec(cfg.clientIP) ?? {};
    if (client.timeoutSeconds === undefined) client.timeoutSeconds = 10800;
    cfg.clientIP = client;
    spec.sessionAffinityConfig = cfg;
  }
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      const port = rec(p);
      if (!port) continue;
      if (!port.protocol) port.protocol = 'TCP';
      if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '')
        port.targetPort = port.port;
    }
  }
  if (spec.type === 'ExternalName') return;
  // clusterIP and clusterIPs[0] mirror each other.
  const ips = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as unknown[]) : [];
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && ips.length === 0)
    spec.clusterIPs = [spec.clusterIP];
  else if ((spec.clusterIP === undefined || spec.clusterIP === '') && typeof ips[0] === 'string')
    spec.clusterIP = ips[0];
  if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = 'SingleStack';
  if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  if (!spec.internalTrafficPolicy) spec.internalTrafficPolicy = 'Cluster';
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && !spec.externalTrafficPolicy)
    spec.externalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined)
    spec.allocateLoadBalancerNodePorts = true;
}
