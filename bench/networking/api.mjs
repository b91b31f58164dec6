// The bench's access to the lab: REST calls with the lab's CA and admin token, kubectl, docker.
import * as https from 'node:https';
import { execFile } from 'node:child_process';

export function makeApi(url, pki) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: pki.caCert });
  return (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const headers = {
        Authorization: `Bearer ${pki.token}`,
        Accept: 'application/json',
        ...(body ? { 'Content-Type': contentType } : {}),
      };
      const req = https.request(new URL(path, url), { method, agent, headers }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, json: () => JSON.parse(text), text }));
      });
      req.on('error', reject);
      req.end(body ? JSON.stringify(body) : undefined);
    });
}

export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 120_000, env: { ...process.env, ...(opts.env ?? {}) } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.slice(0, 4).join(' ')}…: ${String(stderr).trim() || err.message}`));
        else resolve(String(stdout));
      },
    );
  });
}

export async function waitFor(what, check, timeoutMs, intervalMs = 200) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};

/** CPU-nanoseconds of a container (cgroup v1 cpuacct), or undefined. */
export async function cpuNs(containerId) {
  const { readFile } = await import('node:fs/promises');
  for (const p of [
    `/sys/fs/cgroup/cpuacct/docker/${containerId}/cpuacct.usage`,
    `/sys/fs/cgroup/system.slice/docker-${containerId}.scope/cpu.stat`,
  ]) {
    try {
      const t = await readFile(p, 'utf8');
      if (p.endsWith('cpu.stat')) return Number(/usage_usec (\d+)/.exec(t)?.[1]) * 1000;
      return Number(t);
    } catch {
      /* next */
    }
  }
  return undefined;
}
