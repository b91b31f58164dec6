/** HTTP calls against a TestCluster's REST server for the facade's integration tests. */
import assert from 'node:assert/strict';
import type { TestCluster } from './harness.js';

type Json = Record<string, any>;

/** call (one request: status, content type, JSON and text), watch (events of a stream) and waitFor. */
export function restCalls(cluster: TestCluster) {
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; type: string; json: Json; text: string }> => {
    const init: RequestInit = { method, headers: { 'Content-Type': 'application/json', ...headers } };
    if (body !== undefined)
      init.body = typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body);
    const res = await fetch(`${cluster.url}${path}`, init);
    const text = await res.text();
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      /* not JSON */
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', json, text };
  };

  /** Opens a watch and collects events until `count` arrived or the stream ends. */
  const watch = async (
    path: string,
    count: number,
    headers: Record<string, string> = {},
    onOpen?: () => Promise<void>,
  ): Promise<Json[]> => {
    const ac = new AbortController();
    const res = await fetch(`${cluster.url}${path}`, { headers, signal: ac.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const events: Json[] = [];
    let buf = '';
    await onOpen?.();
    try {
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += Buffer.from(value).toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, nl)) as Json);
          buf = buf.slice(nl + 1);
        }
      }
    } finally {
      ac.abort();
    }
    return events;
  };

  const waitFor = async (cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(cond());
  };
  return { call, watch, waitFor };
}
