// Shared by the storage and autoscaling benchmarks: a lab of their own (an e2e slot), its REST API
// over HTTPS with the lab's CA and token, kubectl against its kubeconfig, and polling helpers.
const { labUp, labDown, labApiAccess } = await import('@kubelab/cli/lab');
const { E2E_ENV } = await import('../tests/dist/lib/lab.js');
const https = await import('node:https');
const { execFile } = await import('node:child_process');

const quiet = () => {};

export async function startLab(extraEnv = {}) {
  const env = { ...E2E_ENV, ...extraEnv };
  const up = await labUp({
    project: E2E_ENV.KUBELAB_PROJECT,
    apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
    nodes: 2,
    env,
    mergeKubeconfig: false,
    build: false,
    log: quiet,
  });
  const pki = await labApiAccess({ project: E2E_ENV.KUBELAB_PROJECT, env });
  const api = `https://127.0.0.1:${E2E_ENV.KUBELAB_API_PORT}`;
  const call = (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const headers = {
        Authorization: `Bearer ${pki.token}`,
        Accept: 'application/json',
        ...(body ? { 'Content-Type': contentType } : {}),
      };
      const req = https.request(new URL(path, api), { method, ca: pki.caCert, headers }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text, json: () => JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const kubectl = (args, input) =>
    new Promise((resolve, reject) => {
      const child = execFile(
        'kubectl',
        args,
        { env: { ...process.env, KUBECONFIG: up.kubeconfig } },
        (err, stdout, stderr) =>
          err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
      );
      child.stdin.end(input ?? '');
    });
  return {
    call,
    kubectl,
    kubeconfig: up.kubeconfig,
    down: () => labDown({ project: E2E_ENV.KUBELAB_PROJECT, env, log: quiet }),
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value; throws after `timeoutMs`. */
export async function until(what, check, timeoutMs, everyMs = 50) {
  const t0 = performance.now();
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

export const isReady = (p) =>
  p?.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(2)} s (min ${s[0].toFixed(2)}, max ${s[s.length - 1].toFixed(2)}, n=${s.length})`;
}
