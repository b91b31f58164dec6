/** Labels kubelab and compose put on what they create. */
export const CLUSTER_LABEL = 'io.kubelab.cluster';
export const COMPONENT_LABEL = 'io.kubelab.component';
export const PROJECT_LABEL = 'io.kubelab.project';
export const JOINED_LABEL = 'io.kubelab.joined';
/** On a `node add --hollow N` container: N, its nodes being <container name>-0 … -(N-1). */
export const HOLLOW_LABEL = 'io.kubelab.hollow';
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_CONTAINER_LABEL = 'io.kubernetes.container.name';
/** POD_CONTAINER_LABEL of a pod's sandbox (pause) container. */
export const SANDBOX_CONTAINER = 'POD';

/** A container that is as it should be: running, or a one-shot (the `pki` service) that completed. */
export function containerOk(c: { state: string; status: string; labels: Record<string, string> }): boolean {
  return (
    c.state === 'running' ||
    (c.labels[COMPONENT_LABEL] === 'pki' && c.state === 'exited' && /^Exited \(0\)/.test(c.status))
  );
}
