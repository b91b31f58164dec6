/**
 * The kubelab.v1.Resources gRPC service over the Registry. Objects travel as JSON bytes; every
 * error leaves as ApiError.toGrpc() (reason and details in the trailers). Watch is a server
 * stream of event batches (watch-batch.ts) that stops when the call is cancelled.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  ApiError,
  badRequest,
  type BindManyRequest,
  type BindManyResponse,
  type BindRequest,
  type BindResult,
  type CreateManyRequest,
  type CreateManyResponse,
  type CreateRequest,
  type CreateResult,
  type DeleteRequest,
  type GetRequest,
  type ListRequest,
  type ListResponse,
  type ObjectResponse,
  type UpdateRequest,
  type WatchEvents,
  type WatchRequest,
  MAX_BINDINGS_PER_CALL,
  MAX_CREATES_PER_CALL,
} from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import type { DeleteOpts, Registry } from '../registry/types.js';
import { admittingRegistry } from '../auth/admission.js';
import { authorizeOrThrow } from '../auth/authorizer.js';
import { defaultEnforcement, type Enforcement } from '../auth/defaults.js';
import { grpcUser } from '../auth/user.js';
import { type GrpcMethod, grpcAttributes } from './attributes.js';
import { requestToken, type TokenIssuer } from '../serviceaccount/token-request.js';
import { WatchBatcher } from './watch-batch.js';

function parseObject(buf: Buffer | undefined): KubeObject {
  let obj: unknown;
  try {
    obj = JSON.parse((buf ?? Buffer.alloc(0)).toString('utf8'));
  } catch (err) {
    throw badRequest(`couldn't decode the object: ${(err as Error).message}`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw badRequest('the object must be a JSON object');
  return obj as KubeObject;
}

const encode = (obj: KubeObject): ObjectResponse => ({ object: Buffer.from(JSON.stringify(obj)) });
const EMPTY = Buffer.alloc(0);

function toApiError(err: unknown, log: Logger, method: string): ApiError {
  const e = ApiError.from(err);
  if (e.reason === 'InternalError') log.error({ method, err }, 'internal error');
  else log.debug({ method, reason: e.reason, err: e.message }, 'request failed');
  return e;
}

interface Target {
  resource: string;
  namespace: string;
  name: string;
}

/** Authorizes the call (403 as upstream's) and hands back the registry as this caller writes to it. */
type Guard = (call: object, method: GrpcMethod, target: Target, fieldSelector?: string) => Promise<Registry>;

function guard(registry: Registry, enforcement: Enforcement): Guard {
  return async (call, method, target, fieldSelector) => {
    const user = grpcUser(call);
    await authorizeOrThrow(enforcement.authorizer, grpcAttributes(user, method, target, fieldSelector));
    return admittingRegistry(registry, user, enforcement.admission);
  };
}

const targetOf = (t: { resource?: string; namespace?: string; name?: string } | undefined, name?: string): Target => ({
  resource: t?.resource ?? '',
  namespace: t?.namespace ?? '',
  name: name ?? t?.name ?? '',
});

function unary<Req, Res>(
  log: Logger,
  method: string,
  fn: (req: Req, call: object) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request, call).then(
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

/** One Create: a TokenRequest (serviceaccounts/token) or an object of a resource. */
async function create(
  auth: Guard,
  tokens: TokenIssuer | undefined,
  req: CreateRequest,
  call: object,
): Promise<ObjectResponse> {
  const obj = parseObject(req.object);
  if (req.target?.resource === 'serviceaccounts/token') {
    // The ServiceAccount is the target's name, else the TokenRequest's (ApiClient.create names none).
    const name = req.target.name || obj.metadata?.name || '';
    const r = await auth(call, 'Create', targetOf(req.target, name));
    if (!tokens)
      throw new ApiError(
        'ServiceUnavailable',
        'this apiserver has no service-account signing key (sa.key in its PKI directory): it issues no tokens',
      );
    return encode(
      (await requestToken(
        r,
        tokens,
        req.target.namespace ?? '',
        name,
        obj as unknown as Record<string, unknown>,
        grpcUser(call),
      )) as unknown as KubeObject,
    );
  }
  const r = await auth(call, 'Create', targetOf(req.target));
  return encode(
    await r.create(req.target?.resource ?? '', req.target?.namespace ?? '', obj, {
      dryRun: req.dryRun,
      fieldManager: req.fieldManager || undefined,
    }),
  );
}

type Refusal = { reason: string; message: string; details: string };

/** The items of a many-call, each done on its own (at most `max`): a refusal is its result, not the call's. */
function eachOnItsOwn<T, R>(
  log: Logger,
  method: string,
  noun: string,
  items: T[] | undefined,
  max: number,
  run: (item: T) => Promise<R>,
  refused: (why: Refusal) => R,
): Promise<R[]> {
  const list = items ?? [];
  if (list.length > max)
    throw new ApiError('BadRequest', `${method}: ${list.length} ${noun} in one call; send at most ${max} per call`);
  return Promise.all(
    list.map(async (item) => {
      try {
        return await run(item);
      } catch (err) {
        return refused(toApiError(err, log, method).toParts());
      }
    }),
  );
}

const DONE: Refusal = { reason: '', message: '', details: '' };

/** Each create authorized and done as a Create of its own. */
async function createMany(
  auth: Guard,
  tokens: TokenIssuer | undefined,
  log: Logger,
  req: CreateManyRequest,
  call: object,
): Promise<CreateManyResponse> {
  const results = await eachOnItsOwn<CreateRequest, CreateResult>(
    log,
    'CreateMany',
    'creates',
    req.creates,
    MAX_CREATES_PER_CALL,
    async (c) => ({ ...(await create(auth, tokens, c, call)), ...DONE }),
    (why) => ({ object: EMPTY, ...why }),
  );
  return { results };
}

/** Each binding authorized and done as a Bind of its own. */
async function bindMany(auth: Guard, log: Logger, req: BindManyRequest, call: object): Promise<BindManyResponse> {
  const results = await eachOnItsOwn<BindRequest, BindResult>(
    log,
    'BindMany',
    'bindings',
    req.bindings,
    MAX_BINDINGS_PER_CALL,
    async (b) => {
      const r = await auth(call, 'Bind', { resource: 'pods', namespace: b.namespace, name: b.name });
      await r.bind(b.namespace, b.name, b.nodeName, b.podUid || undefined);
      return DONE;
    },
    (why) => why,
  );
  return { results };
}

async function serveWatch(
  auth: Guard,
  call: grpc.ServerWritableStream<WatchRequest, WatchEvents>,
  log: Logger,
): Promise<void> {
  const req = call.request;
  const ac = new AbortController();
  const sender = new WatchBatcher(call);
  const abort = (): void => {
    ac.abort();
    sender.abort();
  };
  call.on('cancelled', abort);
  call.on('close', abort);
  call.on('error', abort);
  try {
    const registry = await auth(call, 'Watch', targetOf(req.target), req.fieldSelector);
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
      const object = ev.objectBytes ? ev.objectBytes() : Buffer.from(JSON.stringify(ev.object));
      await sender.add({ type: ev.type, object });
    }
    if (ac.signal.aborted) return;
    await sender.drain();
    call.end();
  } catch (err) {
    if (ac.signal.aborted) return;
    // The events read before the error go out first: a watcher sees them, then the status.
    await sender.drain().catch(() => undefined);
    if (ac.signal.aborted) return;
    call.emit('error', toApiError(err, log, 'Watch').toGrpc());
  } finally {
    abort();
  }
}

export function resourcesHandlers(
  registry: Registry,
  log: Logger,
  enforcement: Enforcement = defaultEnforcement(registry),
  tokens?: TokenIssuer,
): grpc.UntypedServiceImplementation {
  const auth = guard(registry, enforcement);
  return {
    Create: unary(log, 'Create', (req: CreateRequest, call) => create(auth, tokens, req, call)),
    CreateMany: unary(log, 'CreateMany', (req: CreateManyRequest, call) => createMany(auth, tokens, log, req, call)),
    Get: unary(log, 'Get', async (req: GetRequest, call) =>
      encode(
        await (await auth(call, 'Get', targetOf(req.target))).get(
          req.target?.resource ?? '',
          req.target?.namespace ?? '',
          req.target?.name ?? '',
          { resourceVersion: req.resourceVersion ?? '', shared: true },
        ),
      ),
    ),
    List: unary(log, 'List', async (req: ListRequest, call): Promise<ListResponse> => {
      const r = await auth(call, 'List', targetOf(req.target), req.fieldSelector);
      const page = await r.list(req.target?.resource ?? '', {
        namespace: req.target?.namespace ?? '',
        labelSelector: req.labelSelector,
        fieldSelector: req.fieldSelector,
        limit: Number(req.limit) || undefined,
        continue: req.continue || undefined,
        resourceVersion: req.resourceVersion || undefined,
      });
      return {
        items: page.items.map((o) => Buffer.from(JSON.stringify(o))),
        resourceVersion: page.resourceVersion,
        continue: page.continue,
      };
    }),
    Update: unary(log, 'Update', async (req: UpdateRequest, call) => {
      const obj = parseObject(req.object);
      const name = req.target?.name || (obj.metadata?.name ?? '');
      const r = await auth(call, 'Update', targetOf(req.target, name));
      return encode(
        await r.update(req.target?.resource ?? '', req.target?.namespace ?? '', name, obj, {
          fieldManager: req.fieldManager || undefined,
        }),
      );
    }),
    UpdateStatus: unary(log, 'UpdateStatus', async (req: UpdateRequest, call) => {
      const obj = parseObject(req.object);
      const name = req.target?.name || (obj.metadata?.name ?? '');
      const r = await auth(call, 'UpdateStatus', targetOf(req.target, name));
      return encode(await r.updateStatus(req.target?.resource ?? '', req.target?.namespace ?? '', name, obj));
    }),
    Delete: unary(log, 'Delete', async (req: DeleteRequest, call) =>
      encode(
        await (await auth(call, 'Delete', targetOf(req.target))).delete(
          req.target?.resource ?? '',
          req.target?.namespace ?? '',
          req.target?.name ?? '',
          deleteOpts(req),
        ),
      ),
    ),
    Bind: unary(log, 'Bind', async (req: BindRequest, call) =>
      encode(
        await (await auth(call, 'Bind', { resource: 'pods', namespace: req.namespace, name: req.name })).bind(
          req.namespace,
          req.name,
          req.nodeName,
          req.podUid || undefined,
        ),
      ),
    ),
    BindMany: unary(log, 'BindMany', (req: BindManyRequest, call) => bindMany(auth, log, req, call)),
    Watch: (call: grpc.ServerWritableStream<WatchRequest, WatchEvents>) => void serveWatch(auth, call, log),
  };
}
