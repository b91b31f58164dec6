/**
 * Which lists a strategic merge patch merges, and by which key: the `patchStrategy` /
 * `patchMergeKey` tags of upstream's k8s.io/api types for the fields kubelab's kinds carry.
 * Lists not named here are replaced wholesale (upstream's default, "atomic").
 */

export type ListStrategy = { kind: 'merge'; key: string } | { kind: 'set' } | { kind: 'replace' };

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

const BY_NAME = new Set([...CONTAINER_LISTS, 'env', 'volumes', 'imagePullSecrets', 'resourceClaims']);

const OTHER_KEYS: Record<string, string> = {
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  conditions: 'type',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};

/**
 * `path` holds the map keys from the object's root down to the list field (array positions are
 * not included), e.g. ["spec", "template", "spec", "containers", "ports"].
 */
export function listStrategy(path: readonly string[]): ListStrategy {
  const field = path[path.length - 1];
  if (field === undefined) return { kind: 'replace' };
  const parents = path.slice(0, -1);
  if (BY_NAME.has(field)) return { kind: 'merge', key: 'name' };
  const other = OTHER_KEYS[field];
  if (other) return { kind: 'merge', key: other };
  if (field === 'ports') {
    if (parents.some((p) => CONTAINER_LISTS.has(p))) return { kind: 'merge', key: 'containerPort' };
    if (path.length === 2 && path[0] === 'spec') return { kind: 'merge', key: 'port' }; // Service spec.ports
    return { kind: 'replace' };
  }
  if (field === 'addresses' && parents.length === 1 && parents[0] === 'status') return { kind: 'merge', key: 'type' }; // Node
  if (field === 'ownerReferences' && parents[parents.length - 1] === 'metadata') return { kind: 'merge', key: 'uid' };
  if (field === 'finalizers' && parents[parents.length - 1] === 'metadata') return { kind: 'set' };
  return { kind: 'replace' };
}
