/**
 * `pods/{name}/eviction` (policy/v1 Eviction, as `kubectl drain` sends it): deletes the pod unless
 * a PodDisruptionBudget selecting it would drop below its healthy minimum, in which case the answer
 * is upstream's 429, which kubectl drain retries.
 */
import { fromLabelSelector, matches, type KubeObject, type LabelSelector, type Pod } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { RequestContext } from '../context.js';
import { readBody } from '../body.js';
import { readTypedBody } from '../decode/object-body.js';
import type { ResourceRoute } from '../paths.js';
import { deleteOptions, dryRun } from '../query.js';
import { sendObject, successStatus } from '../respond.js';

interface Budget extends KubeObject {
  spec?: { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
}

const isHealthy = (p: Pod): boolean =>
  !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** An int, or a percentage of `total` rounded up (upstream rounds minAvailable/maxUnavailable up). */
function scaled(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) throw new ApiError('InternalError', `invalid intstr value ${JSON.stringify(v)} in a PodDisruptionBudget`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

/**
 * Why evicting `pod` is not allowed now, or undefined when it is: the first budget that selects the
 * pod and would be left with fewer healthy pods than it needs. An unhealthy pod may always go.
 */
export function evictionBlocker(pod: Pod, budgets: Budget[], podsInNamespace: Pod[]): string | undefined {
  if (!isHealthy(pod)) return undefined;
  for (const pdb of budgets) {
    const sel = fromLabelSelector(pdb.spec?.selector);
    if (sel.length === 0 || !matches(sel, pod.metadata.labels)) continue;
    const selected = podsInNamespace.filter((p) => matches(sel, p.metadata.labels));
    const healthy = selected.filter(isHealthy).length;
    const expected = selected.length;
    const spec = pdb.spec ?? {};
    const desired =
      spec.minAvailable !== undefined ? scaled(spec.minAvailable, expected) : spec.maxUnavailable !== undefined ? expected - scaled(spec.maxUnavailable, expected) : expected;
    if (healthy - 1 < desired) return `The disruption budget ${pdb.metadata.name ?? ''} needs ${desired} healthy pods and has ${healthy} currently`;
  }
  return undefined;
}

export async function createEviction(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  const ev = readTypedBody(ctx.res, ctx.query, await readBody(ctx.req), ctx.req.headers['content-type'], { apiVersion: 'policy/v1', kind: 'Eviction', group: 'policy' }, 'CreateOptions');
  if (ev['kind'] !== undefined && ev['kind'] !== 'Eviction') throw new ApiError('BadRequest', `the body of an eviction must be an Eviction, not ${String(ev['kind'])}`);
  const meta = (ev['metadata'] ?? {}) as Record<string, unknown>;
  if (typeof meta['name'] === 'string' && meta['name'] !== '' && meta['name'] !== name) {
    throw new ApiError('BadRequest', `name in URL does not match name in Eviction object`);
  }
  const ns = route.namespace;
  const pod = (await ctx.registry.get('pods', ns, name)) as Pod;
  const [budgets, pods] = await Promise.all([ctx.registry.list('poddisruptionbudgets', { namespace: ns }), ctx.registry.list('pods', { namespace: ns })]);
  const why = evictionBlocker(pod, budgets.items as Budget[], pods.items as Pod[]);
  if (why) {
    throw new ApiError('TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
      causes: [{ reason: 'DisruptionBudget', message: why }],
    });
  }
  if (!dryRun(ctx.query)) await ctx.registry.delete('pods', ns, name, deleteOptions(new URLSearchParams(), ev['deleteOptions'] ?? {}));
  sendObject(ctx.res, 201, successStatus(201));
}
