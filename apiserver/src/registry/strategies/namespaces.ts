/** Namespaces: spec.finalizers is the server's ([kubernetes]); status is kept on update. */
import type { KubeObject } from '@kubelab/api';
import type { Strategy } from '../strategy.js';

export const namespaceStrategy: Strategy = {
  prepareForCreate(ns: KubeObject): void {
    ns.spec = { ...((ns.spec as object | undefined) ?? {}), finalizers: ['kubernetes'] };
    ns.status = { phase: 'Active' };
  },
  prepareForUpdate(ns: KubeObject, old: KubeObject): void {
    const finalizers = (old.spec as { finalizers?: string[] } | undefined)?.finalizers;
    ns.spec = { ...((ns.spec as object | undefined) ?? {}) };
    if (finalizers) (ns.spec as { finalizers?: string[] }).finalizers = finalizers;
    else delete (ns.spec as { finalizers?: string[] }).finalizers;
  },
};
