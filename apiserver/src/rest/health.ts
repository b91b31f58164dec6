/**
 * /livez, /readyz and /healthz as upstream's apiserver answers them: "ok" when every check
 * passes; with ?verbose one line per check (`[+]etcd ok`, `[-]etcd-watch failed: reason withheld`)
 * and a closing `readyz check passed|failed`; 500 when a check fails; /readyz/<check> for one.
 * /livez is the process's own health (ping); /readyz and /healthz add etcd (a read answers) and
 * etcd-watch (no watch of the apiserver is stuck: storage/etcd-watch.ts).
 */
import type { ServerResponse } from 'node:http';
import type { Registry } from '../registry/types.js';
import { sendText } from './respond.js';

export interface HealthCheck {
  name: string;
  /** Resolves to a failure reason, or undefined when the check passes. */
  run(): Promise<string | undefined>;
}

const ETCD_CHECK_TIMEOUT_MS = 2_000;

export function healthChecks(registry: Registry, endpoint: 'livez' | 'readyz' | 'healthz'): HealthCheck[] {
  const ping: HealthCheck = { name: 'ping', run: async () => undefined };
  if (endpoint === 'livez') return [ping];
  return [
    ping,
    {
      name: 'etcd',
      run: async () => {
        const probe = registry.storageReady?.() ?? Promise.resolve();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<string>(
          (resolve) =>
            (timer = setTimeout(
              () => resolve(`no answer from etcd within ${ETCD_CHECK_TIMEOUT_MS} ms`),
              ETCD_CHECK_TIMEOUT_MS,
            )),
        );
        try {
          return await Promise.race([
            probe.then(
              () => undefined,
              (err: unknown) => (err as Error).message,
            ),
            timeout,
          ]);
        } finally {
          clearTimeout(timer);
        }
      },
    },
    { name: 'etcd-watch', run: async () => registry.watchHealth?.() },
  ];
}

/** Answers a health path (`/readyz`, `/readyz/etcd`, ...); false when `path` is not one. */
export async function serveHealth(
  res: ServerResponse,
  registry: Registry,
  path: string,
  query: URLSearchParams,
): Promise<boolean> {
  const m = /^\/(livez|readyz|healthz)(?:\/([^/]+))?$/.exec(path);
  if (!m) return false;
  const endpoint = m[1] as 'livez' | 'readyz' | 'healthz';
  const checks = healthChecks(registry, endpoint);
  const excluded = new Set(query.getAll('exclude'));
  if (m[2] !== undefined) {
    const check = checks.find((c) => c.name === m[2]);
    if (!check) {
      sendText(res, 404, `404 page not found\n`);
      return true;
    }
    const failure = await check.run();
    sendText(
      res,
      failure === undefined ? 200 : 500,
      failure === undefined ? 'ok' : `internal server error: ${failure}\n`,
    );
    return true;
  }
  const results = await Promise.all(
    checks.filter((c) => !excluded.has(c.name)).map(async (c) => ({ name: c.name, failure: await c.run() })),
  );
  const failed = results.some((r) => r.failure !== undefined);
  const verbose = query.has('verbose');
  if (!failed && !verbose) {
    sendText(res, 200, 'ok');
    return true;
  }
  const lines = results.map((r) =>
    r.failure === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`,
  );
  for (const name of excluded) lines.push(`[+]${name} excluded: ok`);
  lines.push(`${endpoint} check ${failed ? 'failed' : 'passed'}`);
  sendText(res, failed ? 500 : 200, `${lines.join('\n')}\n`);
  return true;
}
