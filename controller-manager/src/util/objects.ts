/** Small helpers over object metadata shared by the controllers. */
import { canonical, type KubeObject, type OwnerReference } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** "namespace/name" of the object's controller, when it is of the given kind. */
export function controllerKey(obj: KubeObject, kind: string): string | undefined {
  const ref = controllerRef(obj);
  if (!ref || ref.kind !== kind) return undefined;
  return `${obj.metadata.namespace ?? ''}/${ref.name}`;
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = controllerRef(obj);
  return !!ref && !!owner.metadata.uid && ref.uid === owner.metadata.uid;
}

export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Deep equality that ignores key order and empty values (the way JSON with omitempty compares). */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

export function inNamespace<T extends KubeObject>(items: T[], namespace: string): T[] {
  return items.filter((o) => (o.metadata.namespace ?? '') === namespace);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'NotFound';
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'Conflict';
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'AlreadyExists';
}

/** The apiserver refused a create because its namespace is being deleted (nothing to retry). */
export function isNamespaceTerminating(err: unknown): boolean {
  return (
    err instanceof ApiError && err.reason === 'Forbidden' && err.message.includes('because it is being terminated')
  );
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Creation time in ms (0 when missing), for "oldest first" orderings. */
export function createdAt(obj: KubeObject): number {
  const t = obj.metadata.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

/** Oldest first; ties by name, like upstream's ByCreationTimestamp. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  return createdAt(a) - createdAt(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
