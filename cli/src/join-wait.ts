/**
 * After `kubelab join` started a kubelet: wait until its Node is Ready (the TLS bootstrap went
 * through), or stop at the first sign in its log that the apiserver refused its bootstrap token,
 * and say so with the kubelet's own words.
 */
import { apiGet, type ApiAccess } from './api-get.js';
import type { LabDocker } from './docker.js';
import { readyNodes } from './nodes.js';
import { waitUntil, type WaitOptions } from './nodes.js';

/** The kubelet's log line (pino NDJSON) saying its token was refused, if there is one. */
export function refusedToken(logs: string): string | undefined {
  for (const line of logs.split('\n')) {
    if (!line.includes('refused the bootstrap token')) continue;
    try {
      return (JSON.parse(line) as { msg?: string }).msg ?? line;
    } catch {
      return line.trim();
    }
  }
  return undefined;
}

/** Resolves once the node is Ready; throws when its token is refused or the deadline passes. */
export async function waitForJoin(docker: LabDocker, api: ApiAccess, node: { name: string; id: string }, o: WaitOptions): Promise<void> {
  let state = 'not registered yet';
  await waitUntil(
    `node ${node.name} to join and be Ready`,
    async () => {
      const refused = refusedToken(await docker.logs(node.id, 200).catch(() => ''));
      if (refused) throw new Error(`node ${node.name} cannot join: ${refused}`);
      const r = await apiGet(api, `/api/v1/nodes?fieldSelector=metadata.name%3D${encodeURIComponent(node.name)}`);
      if (r?.status !== 200) return false;
      const { ready, total } = readyNodes(r.body);
      state = total === 0 ? 'not registered yet' : 'registered, not Ready yet';
      return ready.includes(node.name);
    },
    () => state,
    { intervalMs: 500, ...o }, // each check reads the node's log too
  );
}
