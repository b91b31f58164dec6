/**
 * Pods kept across `stop` / `start` with their containers: `stop` writes down which pod
 * containers were running (stopped-pods.json beside the lab's compose.env); `start` starts those
 * again — each sandbox (pause container) first, then the app containers that share its network
 * namespace — before the kubelets come back, so the kubelets find them running and adopt them
 * (same container IDs, no new sandbox, RESTARTS unchanged). A sandbox that will not start is left
 * to its kubelet, which makes a new one as after a node reboot.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LabContainer, LabDocker } from './docker.js';
import { run } from './exec.js';
import { CLUSTER_LABEL, POD_CONTAINER_LABEL, SANDBOX_CONTAINER } from './labels.js';
import { since, type Log } from './output.js';

const POD_UID_LABEL = 'io.kubernetes.pod.uid';

export const stoppedPodsFile = (composeEnvPath: string): string => join(dirname(composeEnvPath), 'stopped-pods.json');

interface PodRecord {
  sandboxes: string[];
  apps: string[];
  /** Sandbox id → its network and address when it stopped: it gets that address back. */
  addresses?: { [id: string]: { network: string; ip: string } };
}

/** The running pod containers, sandboxes apart from the apps. */
export function runningPods(all: LabContainer[]): PodRecord {
  const pods = all.filter((c) => POD_UID_LABEL in c.labels && c.state === 'running');
  return {
    sandboxes: pods.filter((c) => c.labels[POD_CONTAINER_LABEL] === SANDBOX_CONTAINER).map((c) => c.id),
    apps: pods.filter((c) => c.labels[POD_CONTAINER_LABEL] !== SANDBOX_CONTAINER).map((c) => c.id),
  };
}

/** `docker inspect` lines "<id> <network>=<ip> …" → id → the address on the lab's network. */
export function parseAddresses(text: string, network: string): { [id: string]: { network: string; ip: string } } {
  const out: { [id: string]: { network: string; ip: string } } = {};
  for (const line of text.split('\n')) {
    const [id, ...nets] = line.trim().split(/\s+/);
    const ip = nets.find((n) => n.startsWith(`${network}=`))?.slice(network.length + 1);
    if (id && ip) out[id] = { network, ip };
  }
  return out;
}

export async function recordRunningPods(d: LabDocker, cluster: string, network: string, file: string): Promise<void> {
  const rec: PodRecord = runningPods(await d.containers([`${CLUSTER_LABEL}=${cluster}`]));
  if (rec.sandboxes.length) {
    const r = await run('docker', [
      'inspect',
      '--format',
      '{{.Id}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}',
      ...rec.sandboxes,
    ]);
    rec.addresses = parseAddresses(r.stdout, network);
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(rec)}\n`);
}

/**
 * Pins a stopped sandbox's address: reconnected to the network with --ip, it starts with the
 * address it had (Docker otherwise hands out the lowest free one). False when Docker refuses.
 */
async function pinAddress(id: string, a: { network: string; ip: string }): Promise<boolean> {
  await run('docker', ['network', 'disconnect', '--force', a.network, id]);
  const r = await run('docker', ['network', 'connect', '--ip', a.ip, a.network, id]);
  if (r.code === 0) return true;
  await run('docker', ['network', 'connect', a.network, id]);
  return false;
}

async function inBatches<T>(items: T[], size: number, f: (t: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(f));
}

/** docker start, a few at a time in parallel (the engine starts one per request; one by one, 20 take ~5 s). */
async function start(ids: string[]): Promise<Set<string>> {
  const started = new Set<string>();
  const chunk = Math.max(1, Math.ceil(ids.length / 6));
  const slices = Array.from({ length: Math.ceil(ids.length / chunk) }, (_, i) => ids.slice(i * chunk, (i + 1) * chunk));
  await Promise.all(
    slices.map(async (slice) => {
      const r = await run('docker', ['start', ...slice], { timeoutMs: 120_000 });
      for (const line of r.stdout.split('\n')) if (line.trim()) started.add(line.trim());
    }),
  );
  return started;
}

/** Starts what `stop` recorded (sandboxes, then their apps); returns how many came back. */
export async function restartRecordedPods(d: LabDocker, cluster: string, file: string, log: Log): Promise<number> {
  const t0 = Date.now();
  let rec: PodRecord;
  try {
    rec = JSON.parse(await readFile(file, 'utf8')) as PodRecord;
  } catch {
    return 0;
  }
  await rm(file, { force: true });
  const all = await d.containers([`${CLUSTER_LABEL}=${cluster}`]);
  const byId = new Map(all.map((c) => [c.id, c]));
  const sandboxes = rec.sandboxes.filter((id) => byId.has(id));
  let pinned = 0;
  const t1 = Date.now();
  await inBatches(sandboxes, 8, async (id) => {
    const a = rec.addresses?.[id];
    if (a && (await pinAddress(id, a))) pinned++;
  });
  const pinMs = Date.now() - t1;
  const up = await start(sandboxes);
  const podsUp = new Set(sandboxes.filter((id) => up.has(id)).map((id) => byId.get(id)!.labels[POD_UID_LABEL]));
  const apps = rec.apps.filter((id) => podsUp.has(byId.get(id)?.labels[POD_UID_LABEL]));
  const appsUp = await start(apps);
  const count = up.size + appsUp.size;
  if (count)
    log(
      `started ${up.size} pod sandbox(es) (${pinned} with the address they had) and ${appsUp.size} container(s) again for their kubelets to adopt (${since(t0)}; addresses ${(pinMs / 1000).toFixed(1)}s)`,
    );
  return count;
}
