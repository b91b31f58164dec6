/**
 * Looking into and breaking an HA lab (`up --ha`) for the end-to-end tests: its containers by
 * compose service, the etcd members and their raft leader (etcd's JSON gateway on each member's
 * address on the lab's own network), the holders of the leader election Leases, and raw HTTPS requests to
 * the API with their status line and headers (kubectl retries a 503 with Retry-After by itself).
 */
import https from 'node:https';
import type { ApiAccess } from '@kubelab/cli/lab';
import { E2E_ENV } from './lab.js';
import { run, waitFor } from './kubectl.js';
import { serviceContainers } from './e2e-lab.js';

export const ETCD_SERVICES = ['etcd', 'etcd-2', 'etcd-3'];

/** The one running container of a compose service. */
export async function containerOf(service: string): Promise<string> {
  const ids = await serviceContainers(service);
  if (ids.length !== 1)
    throw new Error(`expected one running ${service} container in ${E2E_ENV.KUBELAB_PROJECT}, found ${ids.length}`);
  return ids[0]!;
}

export async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  const r = await run('docker', args, { timeoutMs });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Every container of a compose service, running or not (to start them again). */
export async function allContainersOf(service: string): Promise<string[]> {
  const out = await docker([
    'ps',
    '-aq',
    '--filter',
    `label=com.docker.compose.project=${E2E_ENV.KUBELAB_PROJECT}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ]);
  return out.split('\n').filter((l) => l.trim() !== '');
}

export interface EtcdStatus {
  service: string;
  memberId: string;
  leader: string;
}

/** A container's address on the lab's network. */
export async function ipOf(id: string): Promise<string> {
  return (await docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id])).trim();
}

/** What each running etcd member says about itself, asked on its client port (undefined for one that does not answer). */
export async function etcdStatus(service: string): Promise<EtcdStatus | undefined> {
  const ids = await serviceContainers(service);
  if (ids.length === 0) return undefined;
  try {
    const res = await fetch(`http://${await ipOf(ids[0]!)}:2379/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(3_000),
    });
    const s = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    return { service, memberId: s.header?.member_id ?? '', leader: s.leader ?? '' };
  } catch {
    return undefined;
  }
}

/** The compose service of the etcd raft leader, once every answering member agrees on one. */
export async function etcdLeader(): Promise<string | undefined> {
  const all = (await Promise.all(ETCD_SERVICES.map(etcdStatus))).filter((s): s is EtcdStatus => !!s);
  const leaders = new Set(all.map((s) => s.leader));
  if (leaders.size !== 1 || [...leaders][0] === '0') return undefined;
  return all.find((s) => s.memberId === [...leaders][0])?.service;
}

/** Member names in the cluster's member list, as the first member reports it. */
export async function etcdMembers(): Promise<string[]> {
  const res = await fetch(`http://${await ipOf(await containerOf('etcd'))}:2379/v3/cluster/member/list`, {
    method: 'POST',
    body: '{}',
    signal: AbortSignal.timeout(3_000),
  });
  const list = (await res.json()) as { members?: { name?: string }[] };
  return (list.members ?? []).map((m) => m.name ?? '').sort();
}

/** The compose service whose process holds a Lease: HOLDER is <hostname>_<uuid>, and the lab's hostname is the service name. */
export function holderService(holder: string): string {
  return holder.slice(0, holder.lastIndexOf('_'));
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** One HTTPS request to the lab's API with its CA and token, as it comes (no retries). */
export function rawRequest(
  api: ApiAccess,
  method: string,
  path: string,
  body?: string,
  timeoutMs = 30_000,
): Promise<RawResponse> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${api.token}`, Accept: 'application/json' };
    if (body) headers['Content-Type'] = 'application/json';
    const req = https.request(
      new URL(path, api.url),
      { method, ca: api.caCert, headers, agent: false, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ms: Date.now() - t0 }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The latest a standby may take over, with the lab's defaults (lease 8 s, retry 1 s): it saw the
 * last renewal up to one jittered retry (2.2 s) after it happened, waits the lease duration from
 * then, and acquires on its next jittered retry; plus 1.5 s for a test to notice.
 */
export const TAKEOVER_BOUND_MS = 8_000 + 2 * 2_200 + 1_500;

/** Seconds since t0, for the printed takeover times. */
export const secondsSince = (t0: number): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

/** Waits until every etcd member runs and agrees on a leader. */
export async function waitForEtcdQuorum(timeoutMs = 60_000): Promise<string> {
  return waitFor('the etcd members to agree on a leader', etcdLeader, timeoutMs);
}
