/**
 * status.loadBalancer of LoadBalancer services. There is no cloud load balancer in the lab: the
 * ingress IP written here (KUBELAB_LB_IP, default 127.0.0.1) is only what `kubectl get svc` shows
 * as EXTERNAL-IP. What actually reaches such a service from the host is its node port, which
 * kube-proxy listens on and compose publishes from the kube-proxy container to the host — so
 * with the default, 127.0.0.1:<nodePort> on the host works.
 */
import type { Logger } from 'pino';
import type { KubeObject, Service } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';

export interface StatusWriter {
  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T>;
}

function ingressOf(svc: Service): { ip?: string; hostname?: string }[] {
  return svc.status?.loadBalancer?.ingress ?? [];
}

/**
 * What status.loadBalancer.ingress should become, or undefined when it is right as it is:
 * [{ip}] for a LoadBalancer service; [] for any other type that still carries our ingress.
 */
export function wantedIngress(svc: Service, lbIP: string): { ip: string }[] | undefined {
  const cur = ingressOf(svc);
  if (svc.spec.type === 'LoadBalancer') {
    const ok = cur.length === 1 && cur[0]!.ip === lbIP && cur[0]!.hostname === undefined;
    return ok ? undefined : [{ ip: lbIP }];
  }
  const ours = cur.length > 0 && cur.every((i) => i.ip === lbIP);
  return ours ? [] : undefined;
}

/**
 * Writes the wanted ingress of one service. NotFound (it went away) is done; retryable errors
 * are thrown for the work queue to retry; others are logged and dropped.
 */
export async function reconcileLoadBalancer(svc: Service | undefined, lbIP: string, writer: StatusWriter, log: Logger): Promise<boolean> {
  if (!svc) return false;
  const ingress = wantedIngress(svc, lbIP);
  if (!ingress) return false;
  const next: Service = { ...svc, status: { ...svc.status, loadBalancer: ingress.length > 0 ? { ingress } : {} } };
  try {
    await writer.updateStatus('services', next);
    log.info({ service: `${svc.metadata.namespace}/${svc.metadata.name}`, ingress }, 'load balancer status updated');
    return true;
  } catch (err) {
    const e = ApiError.from(err);
    if (e.reason === 'NotFound') return false;
    if (e.retryable) throw e;
    log.error({ service: `${svc.metadata.namespace}/${svc.metadata.name}`, reason: e.reason, err: e.message }, 'load balancer status update failed');
    return false;
  }
}
