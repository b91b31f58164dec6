/**
 * The RBAC objects held in memory for the authorizer: roles by name, and bindings by subject key
 * (subjects.ts) so that a request looks at the bindings naming its user and groups only, not at
 * every binding. Fed by cache.ts (list + watch), or filled once from lists (fromLists).
 */
import type { BindingObject, KubeObject, RoleObject } from '@kubelab/api';
import { bindingKeys } from './subjects.js';

export const RBAC_RESOURCES = ['clusterroles', 'roles', 'clusterrolebindings', 'rolebindings'] as const;
export type RbacResource = (typeof RBAC_RESOURCES)[number];

const objKey = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

class Bindings {
  private readonly byName = new Map<string, BindingObject>();
  private readonly bySubject = new Map<string, Map<string, BindingObject>>();

  upsert(b: BindingObject): void {
    this.remove(b);
    this.byName.set(objKey(b), b);
    for (const k of bindingKeys(b)) {
      const key = `${b.metadata.namespace ?? ''}|${k}`;
      let m = this.bySubject.get(key);
      if (!m) this.bySubject.set(key, (m = new Map()));
      m.set(objKey(b), b);
    }
  }

  remove(o: KubeObject): void {
    const old = this.byName.get(objKey(o));
    if (!old) return;
    this.byName.delete(objKey(o));
    for (const k of bindingKeys(old)) this.bySubject.get(`${old.metadata.namespace ?? ''}|${k}`)?.delete(objKey(o));
  }

  clear(): void {
    this.byName.clear();
    this.bySubject.clear();
  }

  of(namespace: string, key: string): Iterable<BindingObject> {
    return this.bySubject.get(`${namespace}|${key}`)?.values() ?? [];
  }

  all(): Iterable<BindingObject> {
    return this.byName.values();
  }
}

export class RbacIndex {
  private readonly roles = { clusterroles: new Map<string, RoleObject>(), roles: new Map<string, RoleObject>() };
  private readonly bindings = { clusterrolebindings: new Bindings(), rolebindings: new Bindings() };

  static fromLists(lists: Record<RbacResource, KubeObject[]>): RbacIndex {
    const ix = new RbacIndex();
    for (const r of RBAC_RESOURCES) ix.reset(r, lists[r]);
    return ix;
  }

  reset(resource: RbacResource, items: readonly KubeObject[]): void {
    if (resource === 'clusterroles' || resource === 'roles') this.roles[resource].clear();
    else this.bindings[resource].clear();
    for (const o of items) this.upsert(resource, o);
  }

  upsert(resource: RbacResource, o: KubeObject): void {
    if (resource === 'clusterroles' || resource === 'roles') this.roles[resource].set(objKey(o), o as RoleObject);
    else this.bindings[resource].upsert(o as BindingObject);
  }

  remove(resource: RbacResource, o: KubeObject): void {
    if (resource === 'clusterroles' || resource === 'roles') this.roles[resource].delete(objKey(o));
    else this.bindings[resource].remove(o);
  }

  clusterRole(name: string): RoleObject | undefined {
    return this.roles.clusterroles.get(`/${name}`);
  }

  role(namespace: string, name: string): RoleObject | undefined {
    return this.roles.roles.get(`${namespace}/${name}`);
  }

  clusterRoles(): Iterable<RoleObject> {
    return this.roles.clusterroles.values();
  }

  /** ClusterRoleBindings (namespace "") or the RoleBindings of a namespace naming this subject key. */
  bindingsOf(namespace: string, key: string): Iterable<BindingObject> {
    return namespace === ''
      ? this.bindings.clusterrolebindings.of('', key)
      : this.bindings.rolebindings.of(namespace, key);
  }
}
