/** When `up` fails: which components are not running or not healthy, with their last log lines. */
import type { LabDocker } from './docker.js';
import { CLUSTER_LABEL, COMPONENT_LABEL, containerOk } from './labels.js';

export async function diagnose(docker: LabDocker, cluster: string, lines = 12): Promise<string> {
  let containers;
  try {
    containers = await docker.containers([`${CLUSTER_LABEL}=${cluster}`, COMPONENT_LABEL]);
  } catch {
    return '';
  }
  const sick = containers.filter((c) => !containerOk(c) || /unhealthy|starting|Restarting/i.test(c.status));
  const parts: string[] = [];
  for (const c of sick) {
    const logs = await docker.logs(c.id, lines).catch(() => '');
    parts.push(
      `--- ${c.name} (${c.labels[COMPONENT_LABEL]}): ${c.state}, ${c.status}\n${logs.trimEnd() || '(no output)'}`,
    );
  }
  return parts.join('\n');
}
