/**
 * `kubelab logs COMPONENT|NODE`: the container log of one of the lab's components (by compose
 * service, component or container name) or of a node's kubelet (by node name), through `docker
 * logs` (so -f and --since behave as there).
 */
import { spawn } from 'node:child_process';
import type { LabContainer, LabDocker } from './docker.js';
import { CLUSTER_LABEL, COMPONENT_LABEL } from './labels.js';
import { nodeNameOf } from './node-delete.js';

export const SERVICE_LABEL = 'com.docker.compose.service';

/** Go durations as docker's --since takes them (10m, 1h30m, 45s), or a date/Unix time. */
export function checkSince(value: string): string {
  if (
    /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value) ||
    /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value) ||
    /^\d+(\.\d+)?$/.test(value)
  )
    return value;
  throw new Error(
    `--since: Invalid value: "${value}": a duration such as 10m, 1h or 30s, a date (2026-12-01T10:00:00Z), or a Unix time`,
  );
}

/** The container `target` names among the lab's, or an error listing what there is. */
export function pickContainer(all: LabContainer[], target: string, project: string): LabContainer {
  const components = all.filter((c) => COMPONENT_LABEL in c.labels);
  const byName = components.find((c) => c.name === target);
  if (byName) return byName;
  const service = components.filter((c) => c.labels[SERVICE_LABEL] === target);
  if (service.length === 1) return service[0]!;
  const found = components.filter((c) => c.labels[COMPONENT_LABEL] === target);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    const kubelets = found.every((c) => c.labels[COMPONENT_LABEL] === 'kubelet');
    throw new Error(
      `${target} has ${found.length} containers in lab ${project}: name ${kubelets ? 'a node' : 'one'}: ${found.map((c) => (kubelets ? nodeNameOf(c.name) : c.name)).join(', ')}`,
    );
  }
  const node = components.find((c) => c.labels[COMPONENT_LABEL] === 'kubelet' && nodeNameOf(c.name) === target);
  if (node) return node;
  if (components.length === 0) throw new Error(`lab ${project} has no containers: ./kubelab up makes it`);
  const services = [
    ...new Set(
      components.map((c) => c.labels[SERVICE_LABEL] ?? c.labels[COMPONENT_LABEL]!).filter((s) => s !== 'kubelet'),
    ),
  ].sort();
  const nodes = components
    .filter((c) => c.labels[COMPONENT_LABEL] === 'kubelet')
    .map((c) => nodeNameOf(c.name))
    .sort();
  throw new Error(
    `no component or node "${target}" in lab ${project}: components ${services.join(', ')}; nodes ${nodes.join(', ') || '(none)'}`,
  );
}

export interface LogsOptions {
  follow?: boolean;
  since?: string;
  tail?: string;
}

/** Runs docker logs on the container, its output straight to ours; resolves with its exit code. */
export async function streamLogs(
  docker: LabDocker,
  cluster: string,
  project: string,
  target: string,
  o: LogsOptions,
): Promise<number> {
  const c = pickContainer(await docker.containers([`${CLUSTER_LABEL}=${cluster}`]), target, project);
  const args = [
    'logs',
    ...(o.follow ? ['--follow'] : []),
    ...(o.since ? ['--since', o.since] : []),
    ...(o.tail ? ['--tail', o.tail] : []),
    c.id,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}
