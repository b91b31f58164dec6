/**
 * A watch-history recorder: one client's list+watch of a collection, kept across faults (reopens,
 * relists), then checked with client/src/watch-history.ts against the writes the test made and a
 * final list: resourceVersions increasing per key, nothing lost or duplicated, the same end state.
 * The watch loop speaks plain HTTP; a proxy on 127.0.0.1 adds the lab's TLS and token.
 */
import { createServer, type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { runWatchLoop } from '@kubelab/client/watch-loop';
import {
  describeReport,
  historyOk,
  WatchHistory,
  type AckedWrite,
  type HistoryReport,
} from '@kubelab/client/watch-history';
import type { ApiAccess } from '@kubelab/cli/api-get';
import type { LabClient, ObjectMeta } from './client.js';

function authProxy(api: ApiAccess): Promise<Server> {
  const server = createServer((req, res) => {
    const up = https.request(
      new URL(req.url ?? '/', api.url),
      {
        method: req.method,
        ca: api.caCert,
        headers: { ...req.headers, host: new URL(api.url).host, authorization: `Bearer ${api.token}` },
        agent: false,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        // An upstream that dies mid-stream must end the client's stream too (pipe alone would leave it open).
        r.on('close', () => r.complete || res.destroy());
        r.on('error', () => res.destroy());
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export interface WatchRecording {
  /** Reopens and relists so far (how often the watch was disturbed). */
  readonly history: WatchHistory;
  /** Stops the watch and checks it; `acked` are the writes the test made (key, resourceVersion). */
  check(acked: AckedWrite[]): Promise<HistoryReport & { ok: boolean; text: string }>;
}

const keyOf = (m: ObjectMeta): string => (m.namespace ? `${m.namespace}/${m.name}` : m.name);

/** Starts watching `path` (a collection, e.g. /api/v1/namespaces/default/configmaps). */
export async function recordWatch(client: LabClient, path: string): Promise<WatchRecording> {
  const server = await authProxy(client.access);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const history = new WatchHistory();
  const ac = new AbortController();
  const loop = runWatchLoop({ base, path, history, signal: ac.signal, timeoutSeconds: 30 });
  return {
    history,
    async check(acked) {
      const final = await client.get<{ metadata: { resourceVersion: string }; items: { metadata: ObjectMeta }[] }>(
        path,
      );
      const rv = Number(final.metadata.resourceVersion);
      // Let the watch catch up with the final list before comparing.
      for (let i = 0; i < 300 && history.resumeFrom < rv; i++) await new Promise((r) => setTimeout(r, 100));
      ac.abort();
      await loop;
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      const report = history.check(
        acked,
        final.items.map((o) => ({ key: keyOf(o.metadata), rv: Number(o.metadata.resourceVersion) })),
      );
      return { ...report, ok: historyOk(report), text: describeReport(report) };
    },
  };
}
