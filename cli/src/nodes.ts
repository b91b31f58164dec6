/** Waiting for the lab through its REST API: apiserver health, then Ready nodes. */
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

async function get(url: string): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON (e.g. "ok") */
    }
    return { status: res.status, body };
  } catch {
    return undefined; // not listening yet
  }
}

export interface WaitOptions {
  deadline: number;
  log: Log;
  /** Reports progress this often. */
  everyMs?: number;
  intervalMs?: number;
}

/** Polls `check` until it returns true; `describe` says where things stand for progress and errors. */
export async function waitUntil(what: string, check: () => Promise<boolean>, describe: () => string, o: WaitOptions): Promise<void> {
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
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 1000));
  }
}

export async function waitForApiserver(apiUrl: string, o: WaitOptions): Promise<void> {
  let last = 'no answer yet';
  await waitUntil(
    `the apiserver at ${apiUrl}/healthz`,
    async () => {
      const r = await get(`${apiUrl}/healthz`);
      last = r ? `HTTP ${r.status}` : 'no answer yet';
      return r?.status === 200;
    },
    () => last,
    o,
  );
}

export async function waitForNodes(apiUrl: string, count: number, o: WaitOptions): Promise<string[]> {
  let state = { ready: [] as string[], total: 0 };
  let last = '';
  await waitUntil(
    `${count} node${count === 1 ? '' : 's'} to be Ready`,
    async () => {
      const r = await get(`${apiUrl}/api/v1/nodes`);
      if (r?.status === 200) state = readyNodes(r.body);
      last = r ? (r.status === 200 ? '' : ` (GET /api/v1/nodes: HTTP ${r.status})`) : ' (apiserver not answering)';
      return state.ready.length >= count;
    },
    () => `${state.ready.length}/${count}${last}`,
    o,
  );
  return state.ready;
}
