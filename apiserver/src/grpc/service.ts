/**
 * The kubelab.v1.Resources gRPC service over the Registry. Objects travel as JSON bytes; every
 * error leaves as ApiError.toGrpc() (reason and details in the trailers). Watch is a server
 * stream that waits for 'drain' when the client reads slowly and stops when the call is cancelled.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ApiError, badRequest, type BindRequest, type CreateRequest, type DeleteRequest, type GetRequest, type ListRequest, type ListResponse, type ObjectResponse, type UpdateRequest, type WatchEvent, type WatchRequest } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import type { DeleteOpts, Registry } from '../registry/types.js';

function parseObject(buf: Buffer | undefined): KubeObject {
  let obj: unknown;
  try {
    obj = JSON.parse((buf ?? Buffer.alloc(0)).toString('utf8'));
  } catch (err) {
    throw badRequest(`couldn't decode the object: ${(err as Error).message}`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('the object must be a JSON object');
  return obj as KubeObject;
}

const encode = (obj: KubeObject): ObjectResponse => ({ object: Buffer.from(JSON.stringify(obj)) });

function toApiError(err: unknown, log: Logger, method: string): ApiError {
  const e = ApiError.from(err);
  if (e.reason === 'InternalError') log.error({ method, err }, 'internal error');
  else log.debug({ method, reason: e.reason, err: e.message }, 'request failed');
  return e;
}

function unary<Req, Res>(log: Logger, method: string, fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toApiError(err, log, method).toGrpc() as grpc.ServiceError, null),
    );
  };
}

function deleteOpts(req: DeleteRequest): DeleteOpts {
  const opts: DeleteOpts = {};
  if (req.propagationPolicy) opts.propagationPolicy = req.propagationPolicy as DeleteOpts['propagationPolicy'];
  if (req.hasGracePeriod) opts.gracePeriodSeconds = Number(req.gracePeriodSeconds);
  if (req.preconditionUid) opts.preconditionUid = req.preconditionUid;
  if (req.preconditionResourceVersion) opts.preconditionResourceVersion = req.preconditionResourceVersion;
  return opts;
}

/** Resolves on 'drain', or early when the watch is aborted. */
function drained(call: grpc.ServerWritableStream<WatchRequest, WatchEvent>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

async function serveWatch(registry: Registry, call: grpc.ServerWritableStream<WatchRequest, WatchEvent>, log: Logger): Promise<void> {
  const req = call.request;
  const ac = new AbortController();
  const abort = (): void => ac.abort();
  call.on('cancelled', abort);
  call.on('close', abort);
  call.on('error', abort);
  try {
    const events = registry.watch(
      req.target?.resource ?? '',
      {
        namespace: req.target?.namespace ?? '',
        labelSelector: req.labelSelector,
        fieldSelector: req.fieldSelector,
        resourceVersion: req.resourceVersion,
        allowBookmarks: req.allowBookmarks,
        timeoutSeconds: Number(req.timeoutSeconds) || undefined,
      },
      ac.signal,
    );
    for await (const ev of events) {
      if (ac.signal.aborted) break;
      const json = ev.objectJson ? ev.objectJson() : JSON.stringify(ev.object);
      if (!call.write({ type: ev.type, object: Buffer.from(json) })) await drained(call, ac.signal);
    }
    if (!ac.signal.aborted) call.end();
  } catch (err) {
    if (ac.signal.aborted) return;
    call.emit('error', toApiError(err, log, 'Watch').toGrpc());
  } finally {
    ac.abort();
  }
}

export function resourcesHandlers(registry: Registry, log: Logger): grpc.UntypedServiceImplementation {
  return {
    Create: unary(log, 'Create', async (req: CreateRequest) => encode(await registry.create(req.target?.resource ?? '', req.target?.namespace ?? '', parseObject(req.object), { dryRun: req.dryRun, fieldManager: req.fieldManager || undefined }))),
    Get: unary(log, 'Get', async (req: GetRequest) => encode(await registry.get(req.target?.resource ?? '', req.target?.namespace ?? '', req.target?.name ?? ''))),
    List: unary(log, 'List', async (req: ListRequest): Promise<ListResponse> => {
      const page = await registry.list(req.target?.resource ?? '', {
        namespace: req.target?.namespace ?? '',
        labelSelector: req.labelSelector,
        fieldSelector: req.fieldSelector,
        limit: Number(req.limit) || undefined,
        continue: req.continue || undefined,
        resourceVersion: req.resourceVersion || undefined,
      });
      return { items: page.items.map((o) => Buffer.from(JSON.stringify(o))), resourceVersion: page.resourceVersion, continue: page.continue };
    }),
    Update: unary(log, 'Update', async (req: UpdateRequest) => {
      const obj = parseObject(req.object);
      return encode(await registry.update(req.target?.resource ?? '', req.target?.namespace ?? '', req.target?.name || (obj.metadata?.name ?? ''), obj, { fieldManager: req.fieldManager || undefined }));
    }),
    UpdateStatus: unary(log, 'UpdateStatus', async (req: UpdateRequest) => {
      const obj = parseObject(req.object);
      return encode(await registry.updateStatus(req.target?.resource ?? '', req.target?.namespace ?? '', req.target?.name || (obj.metadata?.name ?? ''), obj));
    }),
    Delete: unary(log, 'Delete', async (req: DeleteRequest) => encode(await registry.delete(req.target?.resource ?? '', req.target?.namespace ?? '', req.target?.name ?? '', deleteOpts(req)))),
    Bind: unary(log, 'Bind', async (req: BindRequest) => encode(await registry.bind(req.namespace, req.name, req.nodeName, req.podUid || undefined))),
    Watch: (call: grpc.ServerWritableStream<WatchRequest, WatchEvent>) => void serveWatch(registry, call, log),
  };
}
