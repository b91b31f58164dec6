/**
 * Removing a lab by label (it works without compose's state), and deciding before `up` what an
 * earlier run left behind: leftovers of a lab that is gone are removed, a running lab is kept,
 * and names or address ranges that belong to someone else stop `up` with a clear message.
 */
import { readFileSync } from 'node:fs';
import type { LabContainer, LabDocker, LabNetwork, LabVolume } from './docker.js';
import {
  CLUSTER_LABEL,
  COMPONENT_LABEL,
  COMPOSE_PROJECT_LABEL,
  POD_CONTAINER_LABEL,
  SANDBOX_CONTAINER,
} from './labels.js';
import type { Log } from './output.js';
import { subnetsOverlap } from './subnet.js';

export interface LabScope {
  project: string;
  cluster: string;
  network: string;
  subnet: string;
}

export interface DockerState {
  /** Containers with the cluster label or the compose project label. */
  containers: LabContainer[];
  networks: LabNetwork[];
  /** Volumes with the cluster label or the compose project label. */
  volumes: LabVolume[];
  /** This host's DNS servers (from /etc/resolv.conf): a lab subnet over one would cut DNS off. */
  nameservers?: string[];
}

/** The IPv4 nameservers of a resolv.conf text. */
export function parseNameservers(resolvConf: string): string[] {
  return [...resolvConf.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!);
}

export interface Preflight {
  /** No compose container and no data volume of the project: nothing to keep. */
  fresh: boolean;
  removeContainers: LabContainer[];
  removeNetworks: LabNetwork[];
  errors: string[];
}

const isOurs = (labels: Record<string, string>, s: LabScope): boolean => labels[CLUSTER_LABEL] === s.cluster;

export function preflight(s: LabScope, state: DockerState): Preflight {
  const fresh =
    !state.containers.some((c) => c.labels[COMPOSE_PROJECT_LABEL] === s.project) &&
    !state.volumes.some((v) => v.labels[COMPOSE_PROJECT_LABEL] === s.project || isOurs(v.labels, s));
  const errors: string[] = [];
  const named = state.networks.find((n) => n.name === s.network);
  if (named && !(CLUSTER_LABEL in named.labels)) {
    errors.push(
      `a Docker network named "${s.network}" exists and was not made by kubelab: remove it (docker network rm ${s.network}) or choose another name with KUBELAB_NETWORK`,
    );
  } else if (named && !isOurs(named.labels, s)) {
    errors.push(
      `the Docker network "${s.network}" belongs to kubelab cluster "${named.labels[CLUSTER_LABEL]}": bring that lab down, or choose another name with KUBELAB_NETWORK`,
    );
  }
  const removeNetworks = fresh ? state.networks.filter((n) => isOurs(n.labels, s)) : [];
  const kept = state.networks.filter((n) => n.name !== s.network && !removeNetworks.includes(n));
  for (const n of kept) {
    const clash = n.subnets.find((sub) => subnetsOverlap(sub, s.subnet));
    if (clash) {
      errors.push(
        `KUBELAB_SUBNET ${s.subnet} overlaps ${clash}, the subnet of Docker network "${n.name}": choose a free range with KUBELAB_SUBNET, KUBELAB_POD_RANGE and KUBELAB_SERVICE_CIDR`,
      );
    }
  }
  for (const ns of state.nameservers ?? []) {
    if (subnetsOverlap(`${ns}/32`, s.subnet)) {
      errors.push(
        `KUBELAB_SUBNET ${s.subnet} contains ${ns}, this host's DNS server: the lab's bridge would cut the host off from it; choose another range with KUBELAB_SUBNET, KUBELAB_POD_RANGE and KUBELAB_SERVICE_CIDR`,
      );
    }
  }
  return {
    fresh,
    removeContainers: fresh ? state.containers.filter((c) => isOurs(c.labels, s)) : [],
    removeNetworks,
    errors,
  };
}

export async function dockerState(docker: LabDocker, s: LabScope): Promise<DockerState> {
  const [byCluster, byProject, networks, volCluster, volProject] = await Promise.all([
    docker.containers([`${CLUSTER_LABEL}=${s.cluster}`]),
    docker.containers([`${COMPOSE_PROJECT_LABEL}=${s.project}`]),
    docker.networks(),
    docker.volumes([`${CLUSTER_LABEL}=${s.cluster}`]),
    docker.volumes([`${COMPOSE_PROJECT_LABEL}=${s.project}`]),
  ]);
  const containers = [...new Map([...byCluster, ...byProject].map((c) => [c.id, c])).values()];
  const volumes = [...new Map([...volCluster, ...volProject].map((v) => [v.name, v])).values()];
  let nameservers: string[] = [];
  try {
    nameservers = parseNameservers(readFileSync('/etc/resolv.conf', 'utf8'));
  } catch {
    // no resolv.conf: nothing to protect
  }
  return { containers, networks, volumes, nameservers };
}

/**
 * Removes containers in an order Docker copes with: kubelets first (they would start pods
 * again), then the pods' app containers, then their sandboxes, then the rest, a few at a time.
 * Removing a sandbox together with the containers in its network namespace, 200 at once, made
 * Docker 20.10 keep their network endpoints for good (the network could then not be removed).
 */
export async function removeContainers(docker: LabDocker, containers: LabContainer[]): Promise<void> {
  const rank = (c: LabContainer): number => {
    if (c.labels[COMPONENT_LABEL] === 'kubelet') return 0;
    const name = c.labels[POD_CONTAINER_LABEL];
    if (name === undefined) return 3;
    return name === SANDBOX_CONTAINER ? 2 : 1;
  };
  for (let r = 0; r <= 3; r++) {
    const batch = containers.filter((c) => rank(c) === r);
    for (let i = 0; i < batch.length; i += REMOVE_AT_ONCE)
      await Promise.all(batch.slice(i, i + REMOVE_AT_ONCE).map((c) => docker.removeContainer(c.id)));
  }
}

const REMOVE_AT_ONCE = 8;

export interface SweepResult {
  containers: number;
  networks: number;
  volumes: number;
}

/** Removes every container, network and volume carrying the cluster label (or the project's). */
export async function sweepLab(docker: LabDocker, s: LabScope, log: Log, keepVolumes = false): Promise<SweepResult> {
  const state = await dockerState(docker, s);
  if (keepVolumes) state.volumes = [];
  await removeContainers(docker, state.containers);
  // Pods a kubelet was starting while it was removed.
  const late = await docker.containers([`${CLUSTER_LABEL}=${s.cluster}`]);
  await removeContainers(docker, late);
  const networks = state.networks.filter(
    (n) => isOurs(n.labels, s) || (n.name === s.network && n.labels[COMPOSE_PROJECT_LABEL] === s.project),
  );
  // A network that will not go must not keep the data: a later lab would start on it.
  const failures: unknown[] = [];
  for (const n of networks) await docker.removeNetwork(n.id).catch((err: unknown) => failures.push(err));
  for (const v of state.volumes) await docker.removeVolume(v.name);
  if (failures.length > 0) throw failures[0];
  const result = {
    containers: state.containers.length + late.length,
    networks: networks.length,
    volumes: state.volumes.length,
  };
  if (result.containers + result.networks + result.volumes > 0) {
    log(
      `removed ${result.containers} container(s), ${result.networks} network(s), ${result.volumes} volume(s) of cluster ${s.cluster}`,
    );
  }
  return result;
}
