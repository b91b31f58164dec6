/**
 * `pods/{name}/eviction` (policy/v1 Eviction, as `kubectl drain` sends it), as upstream: a pod no
 * budget protects is deleted; a pod selected by more than one PodDisruptionBudget is refused
 * (500); otherwise the budget's status decides (eviction-budget.ts) and the eviction is written
 * into it before the pod is deleted. A refusal is upstream's 429, which kubectl drain retries
 * every 5 s, saying so (a budget not yet processed also says Retry-After: 10).
 */
import { fromLabelSelector, matches, type Pod, type PodDisruptionBudget } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { RequestContext } from '../context.js';
import { readBody } from '../body.js';
import { readTypedBody } from '../decode/object-body.js';
import type { ResourceRoute } from '../paths.js';
import { deleteOptions, dryRun } from '../query.js';
import { sendObject, successStatus } from '../respond.js';
import { decide, ignoresBudgets } from './eviction-budget.js';

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";
/** Conflicting status writes (other evictions, the controller) are retried this often. */
const ATTEMPTS = 5;

function selecting(budgets: PodDisruptionBudget[], pod: Pod): PodDisruptionBudget[] {
  return budgets.filter((b) => {
    const sel = fromLabelSelector(b.spec?.selector);
    return sel.length > 0 && matches(sel, pod.metadata.labels);
  });
}

/** Spends one disruption of the pod's budget, or throws the refusal; retries on conflicts. */
async function checkBudget(ctx: RequestContext, ns: string, pod: Pod, dry: boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const list = await ctx.registry.list('poddisruptionbudgets', { namespace: ns });
    const budgets = selecting(list.items as PodDisruptionBudget[], pod);
    if (budgets.length === 0) return;
    if (budgets.length > 1)
      throw new ApiError(
        'InternalError',
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    const pdb = budgets[0]!;
    const d = decide(pod, pdb, Date.now());
    if (d.kind === 'allow') return;
    if (d.kind === 'refuse')
      throw new ApiError('TooManyRequests', VIOLATION, {
        causes: [{ reason: 'DisruptionBudget', message: d.message }],
        ...(d.retryAfterSeconds ? { retryAfterSeconds: d.retryAfterSeconds } : {}),
      });
    if (d.kind === 'forbid') throw new ApiError('Forbidden', d.message);
    if (dry) return;
    try {
      await ctx.registry.updateStatus('poddisruptionbudgets', ns, pdb.metadata.name ?? '', {
        ...pdb,
        status: d.status,
      });
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'Conflict') || attempt >= ATTEMPTS) throw err;
    }
  }
}

export async function createEviction(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  const ev = readTypedBody(
    ctx.res,
    ctx.query,
    await readBody(ctx.req),
    ctx.req.headers['content-type'],
    { apiVersion: 'policy/v1', kind: 'Eviction', group: 'policy' },
    'CreateOptions',
  );
  if (ev['kind'] !== undefined && ev['kind'] !== 'Eviction')
    throw new ApiError('BadRequest', `the body of an eviction must be an Eviction, not ${String(ev['kind'])}`);
  const meta = (ev['metadata'] ?? {}) as Record<string, unknown>;
  if (typeof meta['name'] === 'string' && meta['name'] !== '' && meta['name'] !== name) {
    throw new ApiError('BadRequest', `name in URL does not match name in Eviction object`);
  }
  const ns = route.namespace;
  const pod = (await ctx.registry.get('pods', ns, name)) as Pod;
  const dry = dryRun(ctx.query);
  if (!ignoresBudgets(pod)) await checkBudget(ctx, ns, pod, dry);
  if (!dry)
    await ctx.registry.delete('pods', ns, name, deleteOptions(new URLSearchParams(), ev['deleteOptions'] ?? {}));
  sendObject(ctx.res, 201, successStatus(201));
}
