/**
 * The RBAC objects kept current in memory for the authorizer, as upstream's informers: each of
 * the four resources is listed, then watched from the list's revision; a failed or expired watch
 * lists again. `index()` waits for the first lists, so that no request is judged on a half-loaded
 * policy. `listingSource` is the uncached alternative for harnesses without a lifetime (it lists
 * on every request).
 */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import type { Registry } from '../../registry/types.js';
import { RBAC_RESOURCES, type RbacResource, RbacIndex } from './rbac-index.js';
import type { IndexSource } from './authorizer.js';

export class RbacCache {
  readonly ix = new RbacIndex();
  private readonly listed = new Set<RbacResource>();
  private waiters: (() => void)[] = [];
  private readonly changeListeners = new Set<() => void>();

  constructor(
    private readonly registry: Registry,
    private readonly log?: Logger,
  ) {}

  /** Follows the four resources until the signal aborts. */
  run(signal: AbortSignal): Promise<void> {
    return Promise.all(RBAC_RESOURCES.map((r) => this.follow(r, signal))).then(() => undefined);
  }

  /** The index once every resource has been listed. */
  async index(): Promise<RbacIndex> {
    if (this.listed.size < RBAC_RESOURCES.length) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.ix;
  }

  readonly source: IndexSource = () => (this.listed.size === RBAC_RESOURCES.length ? this.ix : this.index());

  /** Called after each change (the aggregation of ClusterRoles and tests listen). */
  onChange(fn: () => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.changeListeners) fn();
  }

  private async follow(resource: RbacResource, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const page = await this.registry.list(resource, { namespace: '' });
        this.ix.reset(resource, page.items);
        this.markListed(resource);
        this.changed();
        for await (const ev of this.registry.watch(
          resource,
          { namespace: '', resourceVersion: page.resourceVersion },
          signal,
        )) {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.ix.upsert(resource, ev.object as KubeObject);
          else if (ev.type === 'DELETED') this.ix.remove(resource, ev.object as KubeObject);
          else continue;
          this.changed();
        }
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof ApiError && err.reason === 'Expired'))
          this.log?.warn({ err: (err as Error).message, resource }, 'rbac watch failed; listing again');
        await new Promise((r) => setTimeout(r, 500).unref());
      }
    }
  }

  private markListed(resource: RbacResource): void {
    this.listed.add(resource);
    if (this.listed.size < RBAC_RESOURCES.length) return;
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }
}

/** An index made from fresh lists on every call (no cache to keep; for harnesses without a lifetime). */
export function listingSource(registry: Registry): IndexSource {
  return async () => {
    const lists = await Promise.all(RBAC_RESOURCES.map(async (r) => (await registry.list(r, { namespace: '' })).items));
    return RbacIndex.fromLists({
      clusterroles: lists[0]!,
      roles: lists[1]!,
      clusterrolebindings: lists[2]!,
      rolebindings: lists[3]!,
    });
  };
}
