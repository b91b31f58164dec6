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
export async function waitForJoin(
  docker: LabDocker,
  api: ApiAccess,
  node: { name: string; id: string; nodes?: string[] },
  o: WaitOptions,
): Promise<void> {
  let state = 'not registered yet';
  const names = node.nodes ?? [node.name];
  const one = names.length === 1 && names[0] === node.name;
  await waitUntil(
    one
      ? `node ${node.name} to join and be Ready`
      : `the ${names.length} hollow nodes of ${node.name} to join and be Ready`,
    async () => {
      const refused = refusedToken(await docker.logs(node.id, 200).catch(() => ''));
      if (refused) throw new Error(`node ${node.name} cannot join: ${refused}`);
      const r = await apiGet(
        api,
        one ? `/api/v1/nodes?fieldSelector=metadata.name%3D${encodeURIComponent(node.name)}` : '/api/v1/nodes',
      );
      if (r?.status !== 200) return false;
      const { ready } = readyNodes(r.body);
      const present = new Set(
        ((r.body as { items?: { metadata?: { name?: string } }[] } | undefined)?.items ?? []).map(
          (n) => n.metadata?.name,
        ),
      );
      const registered = names.filter((n) => present.has(n));
      const readyOnes = names.filter((n) => ready.includes(n));
      state =
        registered.length === 0
          ? 'not registered yet'
          : `${registered.length} of ${names.length} registered, ${readyOnes.length} Ready`;
      return readyOnes.length === names.length;
    },
    () => state,
    { intervalMs: 500, ...o }, // each check reads the node's log too
  );
}
