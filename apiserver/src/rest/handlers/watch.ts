/**
 * `?watch=true`: a chunked stream of JSON watch events, one per line. With a Table Accept header
 * each object is a one-row Table, with columnDefinitions only in the first. Registry errors
 * (e.g. Expired for a compacted resourceVersion) become an ERROR event carrying the Status.
 * The stream ends on timeoutSeconds, on client disconnect (which aborts the registry watch) and
 * on server shutdown.
 */
import { once } from 'node:events';
import { apiVersionOf } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { RequestContext } from '../context.js';
import { tableVersion } from '../media.js';
import type { ResourceRoute } from '../paths.js';
import { includeObject, watchQuery } from '../query.js';
import { buildTable } from '../tables/index.js';
import { isHttp2 } from '../listener.js';
import { withTypeMeta } from './objects.js';

export async function serveWatch(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const q = watchQuery(ctx.query, route.namespace);
  if (route.name !== undefined) {
    const byName = `metadata.name=${route.name}`;
    q.fieldSelector = q.fieldSelector ? `${q.fieldSelector},${byName}` : byName;
  }
  const table = tableVersion(ctx.accept);
  const include = includeObject(ctx.query);
  const { info } = route;

  const ac = new AbortController();
  const stop = (): void => ac.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  const timer = q.timeoutSeconds ? setTimeout(stop, q.timeoutSeconds * 1000) : undefined;

  const { res } = ctx;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    // HTTP/2 frames the body itself and forbids the header.
    ...(isHttp2(ctx.req) ? {} : { 'Transfer-Encoding': 'chunked' }),
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);

  const send = async (event: unknown): Promise<void> => sendLine(`${JSON.stringify(event)}\n`);
  // Lines written in one turn of the event loop leave in one write (one syscall, not one each).
  let corked = false;
  const uncork = (): void => {
    corked = false;
    res.uncork();
  };
  const sendLine = async (line: string | Buffer): Promise<void> => {
    // An HTTP/2 response has no `destroyed`: a reset stream shows as the aborted request.
    if (ac.signal.aborted || res.destroyed || res.writableEnded) return;
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(uncork);
    }
    if (!res.write(line)) {
      await once(res, 'drain', { signal: ac.signal }).catch(() => undefined);
    }
  };

  let headersSent = false;
  try {
    for await (const ev of ctx.registry.watch(info.resource, q, ac.signal)) {
      if (ac.signal.aborted) break;
      // JSON: the line every watcher of this event shares (serialized once per event).
      if (!table && ev.watchLine) {
        await sendLine(ev.watchLine(apiVersionOf(info), info.kind));
        continue;
      }
      let object: unknown = ev.object;
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') {
        const typed = withTypeMeta(ev.object, info);
        object = table
          ? buildTable(info.resource, [typed], {
              version: table,
              includeObject: include,
              noHeaders: headersSent,
              resourceVersion: typed.metadata.resourceVersion ?? '',
            })
          : typed;
        headersSent = true;
      }
      await send({ type: ev.type, object });
    }
  } catch (err) {
    if (!ac.signal.aborted) {
      const status = ApiError.from(err).toStatus();
      ctx.log.debug({ reason: status.reason, message: status.message }, 'watch ended with an error');
      await send({ type: 'ERROR', object: status });
    }
  } finally {
    if (timer) clearTimeout(timer);
    ctx.signal.removeEventListener('abort', stop);
    ac.abort();
    if (!res.writableEnded) res.end();
  }
}
