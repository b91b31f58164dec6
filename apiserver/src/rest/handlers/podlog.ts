/**
 * GET pods/{name}/log: checks the pod and container like upstream, then streams the kubelet's
 * output as text/plain, writing each chunk as it arrives. With follow the response stays open
 * until the container stops (the kubelet ends the stream) or the client goes away.
 */
import type { Readable } from 'node:stream';
import type { Pod } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { checkLogStatus, chooseContainer, parseLogQuery } from '../../kubelets/logquery.js';
import type { RequestContext } from '../context.js';
import type { ResourceRoute } from '../paths.js';

export async function servePodLog(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  const pod = (await ctx.registry.get(route.info.resource, route.namespace, name)) as Pod; // 404 for a missing pod
  const opts = parseLogQuery(ctx.query, name);
  opts.container = chooseContainer(pod, opts.container);
  checkLogStatus(pod, opts.container, opts.previous);
  if (!ctx.kubelets)
    throw new ApiError('ServiceUnavailable', 'logs are not available: the apiserver has no connection to the kubelets');
  const src: Readable = await ctx.kubelets.logs(pod, opts);
  if (ctx.signal.aborted) return void src.destroy();
  const { res } = ctx;
  res.writeHead(200, {
    'Content-Type': 'text/plain',
    'Cache-Control': 'no-cache, private',
    'X-Content-Type-Options': 'nosniff',
  });
  res.flushHeaders();
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      src.destroy();
      resolve();
    };
    ctx.signal.addEventListener('abort', stop, { once: true });
    src.on('data', (b: Buffer) => {
      if (!res.write(b)) {
        src.pause();
        res.once('drain', () => src.resume());
      }
    });
    const done = (): void => {
      ctx.signal.removeEventListener('abort', stop);
      res.end();
      resolve();
    };
    src.on('end', done);
    src.on('error', (err) => {
      ctx.log.debug({ err: err.message }, 'log stream from the kubelet broke');
      done();
    });
  });
}
