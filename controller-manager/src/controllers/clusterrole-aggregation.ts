/**
 * ClusterRole aggregation (upstream's clusterrole-aggregation controller): a ClusterRole with an
 * `aggregationRule` gets as its rules the union of the rules of every other ClusterRole that one
 * of its `clusterRoleSelectors` picks, in name order, each rule once. Any ClusterRole change
 * requeues every aggregated role (a label added to a role may bring it into several). Key: the name.
 */
import type { Logger } from 'pino';
import { fromLabelSelector, matches, type PolicyRule, type RoleObject } from '@kubelab/api';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { isNotFound } from '../util/objects.js';

export interface AggregationDeps {
  api: ApiLike;
  clusterroles: Cache<RoleObject>;
  queue: KeyQueue;
  log: Logger;
}

/** The rules an aggregated role should hold, from the roles it selects (pure). */
export function aggregatedRules(role: RoleObject, all: readonly RoleObject[]): PolicyRule[] {
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map((s) => fromLabelSelector(s as never));
  const picked = all
    .filter((r) => r.metadata.name !== role.metadata.name && selectors.some((s) => matches(s, r.metadata.labels)))
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const r of picked) {
    for (const rule of r.rules ?? []) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(rule);
    }
  }
  return out;
}

export class ClusterRoleAggregationController implements Controller {
  readonly name = 'clusterrole-aggregation-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<RoleObject>[];

  constructor(private readonly d: AggregationDeps) {
    this.queue = d.queue;
    this.caches = [d.clusterroles];
    const all = (): void => {
      for (const r of d.clusterroles.list()) if (r.aggregationRule) this.queue.add(r.metadata.name ?? '');
    };
    d.clusterroles.addHandlers({ add: all, update: all, delete: all });
  }

  async reconcile(name: string): Promise<void> {
    const role = this.d.clusterroles.get(name);
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, this.d.clusterroles.list());
    if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) return;
    try {
      await this.d.api.update('clusterroles', { ...role, rules });
      this.d.log.debug({ name, rules: rules.length }, 'aggregated cluster role');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
