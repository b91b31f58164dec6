/**
 * The HA profile (`kubelab up --ha`): compose profile `ha` adds etcd-2 and etcd-3, apiserver-2,
 * scheduler-2 and controller-manager-2 to the services that always run. A lab that runs it stays
 * HA on a later plain `up` (its etcd has three members: dropping two would lose quorum), and
 * `down` passes every profile, since compose removes only the services of the profiles it is given.
 */
import { runCompose, type ComposeTarget } from './compose.js';
import type { LabDocker } from './docker.js';
import { COMPOSE_PROJECT_LABEL } from './labels.js';
import { waitUntil, type WaitOptions } from './nodes.js';

export const HA_PROFILE = 'ha';
export const ETCD_MEMBERS = ['etcd-1', 'etcd-2', 'etcd-3'];
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

/**
 * The names of the members that have started, from etcd's member list (JSON gateway): a member
 * added but not yet started has no name and no client URLs.
 */
export function startedMembers(memberListJson: string): string[] {
  let list: { members?: { name?: string; clientURLs?: string[] }[] };
  try {
    list = JSON.parse(memberListJson) as typeof list;
  } catch {
    return [];
  }
  return (list.members ?? [])
    .filter((m) => m.name && (m.clientURLs ?? []).length > 0)
    .map((m) => m.name!)
    .sort();
}

/**
 * Waits until every etcd member of the HA profile has joined and started (etcd-2 and etcd-3 join
 * one after the other: etcd refuses a second unstarted member), asking inside the first member's
 * container, so it works where the host has no route to the lab's network.
 */
export async function waitForEtcdMembers(target: ComposeTarget, o: WaitOptions): Promise<void> {
  let members: string[] = [];
  await waitUntil(
    `${ETCD_MEMBERS.length} etcd members`,
    async () => {
      const r = await runCompose(
        target,
        [
          'exec',
          '-T',
          'etcd',
          '/bin/busybox',
          'wget',
          '-q',
          '-O',
          '-',
          '--post-data',
          '{}',
          'http://127.0.0.1:2379/v3/cluster/member/list',
        ],
        { timeoutMs: 15_000 },
      );
      if (r.code === 0) members = startedMembers(r.stdout);
      return ETCD_MEMBERS.every((m) => members.includes(m));
    },
    () => `started: ${members.join(', ') || 'none yet'}`,
    { intervalMs: 1000, ...o },
  );
}
