/**
 * Bootstrap policy reconciliation at apiserver start (upstream's rbac poststarthook with the
 * reconciliation package): a missing default role or binding is created; one that exists and is
 * not annotated `rbac.authorization.kubernetes.io/autoupdate: "false"` gets the rules, labels,
 * annotations, aggregation selectors and subjects it lacks (never loses any); a binding whose
 * roleRef differs is recreated. What an administrator added stays.
 */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import type { BindingObject, KubeObject, RbacSubject, RoleObject } from '@kubelab/api';
import type { Registry } from '../../registry/types.js';
import type { PolicyRule } from '../rules.js';
import { AUTOUPDATE, bootstrapBindings, bootstrapClusterRoles } from './bootstrap-policy.js';
import { uncovered } from './covers.js';

async function getOrUndefined(
  registry: Registry,
  resource: string,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await registry.get(resource, namespace, name);
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
    throw err;
  }
}

const mergeMeta = (have: KubeObject, want: KubeObject): KubeObject['metadata'] => ({
  ...have.metadata,
  labels: { ...want.metadata.labels, ...have.metadata.labels },
  annotations: { ...want.metadata.annotations, ...have.metadata.annotations },
});

/** The stored role with what the default adds, or undefined when nothing is missing. */
export function reconcileRole(have: RoleObject, want: RoleObject): RoleObject | undefined {
  if (have.metadata.annotations?.[AUTOUPDATE] === 'false') return undefined;
  const missing = uncovered((have.rules ?? []) as PolicyRule[], (want.rules ?? []) as PolicyRule[]);
  const next: RoleObject = { ...have, metadata: mergeMeta(have, want) };
  if (missing.length)
    next.rules = [
      ...(have.rules ?? []),
      ...(want.rules ?? []).filter((r) => uncovered((have.rules ?? []) as PolicyRule[], [r as PolicyRule]).length > 0),
    ];
  const haveSel = have.aggregationRule?.clusterRoleSelectors ?? [];
  const wantSel = want.aggregationRule?.clusterRoleSelectors ?? [];
  const addSel = wantSel.filter((w) => !haveSel.some((h) => JSON.stringify(h) === JSON.stringify(w)));
  if (addSel.length) next.aggregationRule = { clusterRoleSelectors: [...haveSel, ...addSel] };
  const changed =
    missing.length > 0 || addSel.length > 0 || JSON.stringify(next.metadata) !== JSON.stringify(have.metadata);
  return changed ? next : undefined;
}

const sameSubject = (a: RbacSubject, b: RbacSubject) =>
  a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');

export function reconcileBinding(have: BindingObject, want: BindingObject): BindingObject | undefined {
  if (have.metadata.annotations?.[AUTOUPDATE] === 'false') return undefined;
  const add = (want.subjects ?? []).filter((w) => !(have.subjects ?? []).some((h) => sameSubject(h, w)));
  const next: BindingObject = {
    ...have,
    metadata: mergeMeta(have, want),
    subjects: [...(have.subjects ?? []), ...add],
  };
  return add.length || JSON.stringify(next.metadata) !== JSON.stringify(have.metadata) ? next : undefined;
}

async function ensure(
  registry: Registry,
  resource: string,
  namespace: string,
  want: KubeObject,
  merge: (have: never, want: never) => KubeObject | undefined,
  log?: Logger,
): Promise<void> {
  const name = want.metadata.name!;
  const have = await getOrUndefined(registry, resource, namespace, name);
  if (
    have &&
    resource.endsWith('bindings') &&
    JSON.stringify((have as BindingObject).roleRef) !== JSON.stringify((want as BindingObject).roleRef)
  ) {
    if (have.metadata.annotations?.[AUTOUPDATE] === 'false') return;
    await registry.delete(resource, namespace, name);
    log?.info({ resource, name }, 'rbac: recreated bootstrap binding (its roleRef differed)');
    return ensure(registry, resource, namespace, want, merge, log);
  }
  if (!have) {
    try {
      await registry.create(resource, namespace, structuredClone(want));
      log?.info({ resource, namespace, name }, 'rbac: created bootstrap policy');
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
    return;
  }
  const next = merge(have as never, want as never);
  if (!next) return;
  await registry.update(resource, namespace, name, next);
  log?.info({ resource, namespace, name }, 'rbac: reconciled bootstrap policy (added what was missing)');
}

export async function reconcileBootstrapPolicy(registry: Registry, log?: Logger): Promise<void> {
  for (const role of bootstrapClusterRoles()) await ensure(registry, 'clusterroles', '', role, reconcileRole, log);
  for (const { namespace, binding } of bootstrapBindings()) {
    await ensure(
      registry,
      namespace ? 'rolebindings' : 'clusterrolebindings',
      namespace,
      binding,
      reconcileBinding,
      log,
    );
  }
}
