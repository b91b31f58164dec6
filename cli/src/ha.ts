/**
 * The HA profile (`kubelab up --ha`): compose profile `ha` adds etcd-2 and etcd-3, apiserver-2,
 * scheduler-2 and controller-manager-2 to the services that always run. A lab that runs it stays
 * HA on a later plain `up` (its etcd has three members: dropping two would lose quorum), and
 * `down` passes every profile, since compose removes only the services of the profiles it is given.
 */
import type { LabDocker } from './docker.js';
import { COMPOSE_PROJECT_LABEL } from './labels.js';

export const HA_PROFILE = 'ha';
export const HA_SERVICES = ['etcd-2', 'etcd-3', 'apiserver-2', 'scheduler-2', 'controller-manager-2'];
const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';

/** Compose's global arguments for a lab with or without the HA profile. */
export function profileArgs(ha: boolean): string[] {
  return ha ? ['--profile', HA_PROFILE] : [];
}

/** For `down`: every profile the compose file has. */
export const ALL_PROFILES_ARGS = profileArgs(true);

/** KUBELAB_HA: 1/true, 0/false, or unset (false). */
export function haFromEnv(raw: string | undefined): boolean {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new Error(`KUBELAB_HA: Invalid value: "${raw}": must be 1, true, 0 or false`);
}

/** Whether containers of the HA profile exist in the project (running or not). */
export async function runsHa(docker: LabDocker, project: string): Promise<boolean> {
  const ofProject = await docker.containers([`${COMPOSE_PROJECT_LABEL}=${project}`]);
  return ofProject.some((c) => HA_SERVICES.includes(c.labels[COMPOSE_SERVICE_LABEL] ?? ''));
}
