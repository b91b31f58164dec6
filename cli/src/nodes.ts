/** Waiting for the lab through its REST API (HTTPS, the lab's CA and token): apiserver health, then Ready nodes. */
import { apiGet, type ApiAccess } from './api-get.js';
import { since, type Log } from './output.js';

interface NodeList {
  items?: { metadata?: { name?: string }; status?: { conditions?: { type?: string; status?: string }[] } }[];
}

/** Names of the nodes whose Ready condition is True, and how many nodes there are. */
export function readyNodes(body: unknown): { ready: string[]; total: number } {
  const items = (body as NodeList | undefined)?.items ?? [];
  const ready = items
    .filter((n) => (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata?.name ?? '?');
  return { ready, total: items.length };
}

export interface WaitOptions {
  deadline: number;
  log: Log;
  /** Reports progress this often. */
  everyMs?: number;
  /** Between checks (default 200 ms: a GET of the lab's own API, cheap next to a second lost on `up`). */
  intervalMs?: number;
}

/** Polls `check` until it returns true; `describe` says where things stand for progress and errors. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  describe: () => string,
  o: WaitOptions,
): Promise<void> {
  const start = Date.now();
  let reported = start;
  for (;;) {
    if (await check()) return;
    const now = Date.now();
    if (now >= o.deadline) throw new Error(`timed out after ${since(start, now)} waiting for ${what}: ${describe()}`);
    if (now - reported >= (o.everyMs ?? 5000)) {
      o.log(`waiting for ${what}: ${describe()} (${since(start, now)})`);
      reported = now;
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 200));
  }
}

export async function waitForApiserver(api: ApiAccess, o: WaitOptions): Promise<void> {
  let last = 'no answer yet';
  await waitUntil(
    `the apiserver at ${api.url}/healthz`,
    async () => {
      const r = await apiGet(api, '/healthz');
      last = r ? `HTTP ${r.status}` : 'no answer yet';
      return r?.status === 200;
    },
    () => last,
    o,
  );
}

export async function waitForNodes(api: ApiAccess, count: number, o: WaitOptions): Promise<string[]> {
  let state = { ready: [] as string[], total: 0 };
  let last = '';
  await waitUntil(
    `${count} node${count === 1 ? '' : 's'} to be Ready`,
    async () => {
      const r = await apiGet(api, '/api/v1/nodes');
      if (r?.status === 200) state = readyNodes(r.body);
      last = r ? (r.status === 200 ? '' : ` (GET /api/v1/nodes: HTTP ${r.status})`) : ' (apiserver not answering)';
      return state.ready.length >= count;
    },
    () => `${state.ready.length}/${count}${last}`,
    o,
  );
  return state.ready;
}
