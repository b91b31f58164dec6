/**
 * `kubelab list`: every lab on this Docker engine, found by the cluster label its containers
 * carry, with its state, nodes (kubelet containers), pod containers and API address — a lab that was stopped,
 * or half-removed by hand, shows too.
 */
import type { LabContainer, LabDocker } from './docker.js';
import { CLUSTER_LABEL, COMPONENT_LABEL, COMPOSE_PROJECT_LABEL, POD_NAME_LABEL, PROJECT_LABEL } from './labels.js';
import { table } from './status.js';

export interface LabSummary {
  /** The compose project (what `-p` takes). */
  project: string;
  cluster: string;
  /** running, stopped, or degraded (some components not running). */
  state: string;
  nodes: { running: number; total: number };
  components: { running: number; total: number };
  pods: number;
  /** The Kubernetes API on the host (apiserver-lb's published 6443), when running. */
  api?: string;
}

const count = (list: LabContainer[]) => ({
  running: list.filter((c) => c.state === 'running').length,
  total: list.length,
});

export function summarizeLabs(containers: LabContainer[]): LabSummary[] {
  const byCluster = new Map<string, LabContainer[]>();
  for (const c of containers) {
    const cluster = c.labels[CLUSTER_LABEL];
    if (cluster === undefined) continue;
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), c]);
  }
  const labs: LabSummary[] = [];
  for (const [cluster, list] of byCluster) {
    // The one-shot `pki` service has done its work once it exited: not a component that runs.
    const components = list.filter((c) => COMPONENT_LABEL in c.labels && c.labels[COMPONENT_LABEL] !== 'pki');
    const project =
      list.map((c) => c.labels[COMPOSE_PROJECT_LABEL] ?? c.labels[PROJECT_LABEL]).find((p) => p) ?? cluster;
    const comp = count(components);
    const state =
      comp.total === 0
        ? 'removed (pod containers left: kubelab down removes them)'
        : comp.running === comp.total
          ? 'running'
          : comp.running === 0
            ? 'stopped'
            : `degraded (${comp.running}/${comp.total} components running)`;
    const lb = components
      .find((c) => c.labels[COMPONENT_LABEL] === 'apiserver-lb')
      ?.ports?.find((p) => p.private === 6443 && p.public);
    const api = lb ? `https://${!lb.ip || lb.ip === '0.0.0.0' ? '127.0.0.1' : lb.ip}:${lb.public}` : undefined;
    labs.push({
      ...(api ? { api } : {}),
      project,
      cluster,
      state,
      nodes: count(components.filter((c) => c.labels[COMPONENT_LABEL] === 'kubelet')),
      components: comp,
      pods: list.filter((c) => POD_NAME_LABEL in c.labels).length,
    });
  }
  return labs.sort((a, b) => a.project.localeCompare(b.project));
}

export function listTable(labs: LabSummary[]): string[] {
  return table([
    ['NAME', 'STATE', 'NODES', 'COMPONENTS', 'POD CONTAINERS', 'API', 'CLUSTER'],
    ...labs.map((l) => [
      l.project,
      l.state,
      `${l.nodes.running}/${l.nodes.total}`,
      `${l.components.running}/${l.components.total}`,
      String(l.pods),
      l.api ?? '-',
      l.cluster,
    ]),
  ]);
}

export async function listLabs(docker: LabDocker): Promise<LabSummary[]> {
  return summarizeLabs(await docker.containers([CLUSTER_LABEL]));
}
