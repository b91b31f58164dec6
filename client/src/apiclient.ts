/**
 * Typed client of the apiserver's gRPC Resources service. Every unary call carries a deadline;
 * errors come back as ApiError with the Kubernetes reason they were raised with.
 *
 * Failover between apiservers (endpoints.ts): a read that fails in transport (the apiserver died
 * under it) is sent once more, to the next live apiserver; a write is sent again only when it
 * never left this process, so a create is never made twice; a broken watch throws, and the
 * informer relists and watches again, now on a live apiserver.
 */
import * as grpc from '@grpc/grpc-js';
import {
  ApiError,
  resourcesService,
  type ListResponse,
  type BindManyResponse,
  type CreateManyResponse,
  type CreateRequest,
  type BindRequest,
  type ObjectResponse,
  type WatchEvents,
  type WatchEventType,
} from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { CallBatcher } from './call-batch.js';
import { ApiEndpoints, FAILOVER_CHANNEL_OPTIONS, isTransportFailure, neverSent } from './endpoints.js';
import { channelCredentials, type ApiCredentials } from './credentials.js';

/** What ApiClient sends of a Create (no dry run, the server's field manager). */
type CreateCall = Pick<CreateRequest, 'target' | 'object'>;

/** Creates per CreateMany call (the apiserver takes up to MAX_CREATES_PER_CALL). */
const CREATES_PER_CALL = 64;

export interface ApiClientOptions {
  deadlineMs?: number;
  /** TLS with the cluster CA and the caller's certificate or token; `{ insecure: true }` only for tests. */
  credentials: ApiCredentials;
}

export interface GetOptions {
  /** "0": any version the apiserver has at hand (its watch cache), as upstream's GetOptions; else the latest. */
  resourceVersion?: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  continue: string;
}

export interface WatchOptions extends ListOptions {
  allowBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditionUid?: string;
  preconditionResourceVersion?: string;
}

export interface Event<T> {
  type: WatchEventType;
  object: T;
}

type Unary<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: Res) => void,
) => grpc.ClientUnaryCall;

type RawClient = grpc.Client & Record<string, unknown>;

/** Calls safe to repeat whatever happened to the first attempt. */
const READS = new Set(['Get', 'List']);

export class ApiClient {
  private endpoints: ApiEndpoints<RawClient>;
  /** KUBELAB_APISERVER as given: one host:port, or several separated by commas. */
  readonly address: string;
  private readonly deadlineMs: number;

  constructor(address: string, opts: ApiClientOptions) {
    this.address = address;
    this.endpoints = ApiClient.endpointsFor(address, opts.credentials);
    this.deadlineMs = opts.deadlineMs ?? 10_000;
  }

  private static endpointsFor(address: string, credentials: ApiCredentials): ApiEndpoints<RawClient> {
    const Ctor = resourcesService();
    const creds = channelCredentials(credentials);
    return new ApiEndpoints(address, (target) => new Ctor(target, creds, FAILOVER_CHANNEL_OPTIONS) as RawClient);
  }

  /**
   * Calls from now on carry these credentials (a kubelet's own certificate once its bootstrap
   * token got it one); the old channels close, calls running on them finish.
   */
  setCredentials(credentials: ApiCredentials): void {
    const old = this.endpoints;
    this.endpoints = ApiClient.endpointsFor(this.address, credentials);
    old.close();
  }

  /** The apiserver target calls go to now. */
  currentTarget(): string {
    return this.endpoints.target();
  }

  private once<Req, Res>(client: RawClient, method: string, req: Req): Promise<Res> {
    const fn = (client[method] as Unary<Req, Res>).bind(client);
    return new Promise((resolve, reject) => {
      fn(req, new grpc.Metadata(), { deadline: Date.now() + this.deadlineMs }, (err, res) => {
        if (err) reject(err);
        else resolve(res);
      });
    });
  }

  private async call<Req, Res>(method: string, req: Req): Promise<Res> {
    const first = this.endpoints.pick();
    try {
      return await this.once<Req, Res>(first.client, method, req);
    } catch (err) {
      if (!isTransportFailure(err)) throw ApiError.from(err);
      this.endpoints.failed(first.index);
      if (!READS.has(method) && !neverSent(err)) throw ApiError.from(err);
    }
    try {
      return await this.once<Req, Res>(this.endpoints.pick().client, method, req);
    } catch (err) {
      if (isTransportFailure(err)) this.endpoints.failed(this.endpoints.pick().index);
      throw ApiError.from(err);
    }
  }

  private async object<T>(method: string, req: unknown): Promise<T> {
    const res = await this.call<unknown, ObjectResponse>(method, req);
    return JSON.parse(res.object.toString('utf8')) as T;
  }

  /**
   * Creates of one resource and namespace asked for in the same event-loop turn go in one
   * CreateMany call (call-batch.ts), each still authorized, admitted and answered as a Create of
   * its own: a ReplicaSet's batch of pods, a kubelet's Events for a pod. A create alone is a Create.
   */
  async create<T extends KubeObject>(resource: string, obj: T, namespace = obj.metadata.namespace ?? ''): Promise<T> {
    const object = await this.creates.call({
      target: { resource, namespace, name: '' },
      object: Buffer.from(JSON.stringify(obj)),
    });
    return JSON.parse(object.toString('utf8')) as T;
  }

  private readonly creates = new CallBatcher<CreateCall, Buffer>(
    {
      method: 'CreateMany',
      one: async (c) => (await this.call<CreateCall, ObjectResponse>('Create', c)).object,
      many: (cs) => this.createMany(cs),
      group: (c) => `${c.target.resource}/${c.target.namespace}`,
    },
    CREATES_PER_CALL,
  );

  /** Per create the created object's bytes, else its refusal. Throws when the call itself fails. */
  private async createMany(creates: CreateCall[]): Promise<(Buffer | ApiError)[]> {
    const res = await this.call<unknown, CreateManyResponse>('CreateMany', { creates });
    return creates.map((_, i) => {
      const r = res.results?.[i];
      if (!r) return new ApiError('InternalError', 'CreateMany: no result for this object');
      if (r.reason) return ApiError.fromParts(r.reason, r.message, r.details);
      return r.object;
    });
  }

  get<T extends KubeObject>(resource: string, namespace: string, name: string, opts: GetOptions = {}): Promise<T> {
    return this.object('Get', { target: { resource, namespace, name }, resourceVersion: opts.resourceVersion ?? '' });
  }

  async list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    const res = await this.call<unknown, ListResponse>('List', {
      target: { resource, namespace: opts.namespace ?? '', name: '' },
      labelSelector: opts.labelSelector ?? '',
      fieldSelector: opts.fieldSelector ?? '',
      limit: opts.limit ?? 0,
      continue: opts.continue ?? '',
      resourceVersion: opts.resourceVersion ?? '',
    });
    return {
      items: res.items.map((b) => JSON.parse(b.toString('utf8')) as T),
      resourceVersion: res.resourceVersion,
      continue: res.continue,
    };
  }

  /** Writes the whole object; metadata.resourceVersion, when set, must still be current. */
  update<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.object('Update', {
      target: { resource, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' },
      object: Buffer.from(JSON.stringify(obj)),
    });
  }

  /** Writes only .status (and nothing else) of the object. */
  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.object('UpdateStatus', {
      target: { resource, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' },
      object: Buffer.from(JSON.stringify(obj)),
    });
  }

  delete<T extends KubeObject = KubeObject>(
    resource: string,
    namespace: string,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<T> {
    return this.object('Delete', {
      target: { resource, namespace, name },
      propagationPolicy: opts.propagationPolicy ?? '',
      hasGracePeriod: opts.gracePeriodSeconds !== undefined,
      gracePeriodSeconds: opts.gracePeriodSeconds ?? 0,
      preconditionUid: opts.preconditionUid ?? '',
      preconditionResourceVersion: opts.preconditionResourceVersion ?? '',
    });
  }

  bind(namespace: string, name: string, nodeName: string, podUid = ''): Promise<KubeObject> {
    return this.object('Bind', { namespace, name, nodeName, podUid });
  }

  /**
   * Several binds in one call (at most MAX_BINDINGS_PER_CALL): per binding undefined when bound,
   * else its refusal. Throws when the call itself fails (then some may have been bound).
   */
  async bindMany(bindings: readonly BindRequest[]): Promise<(ApiError | undefined)[]> {
    const res = await this.call<unknown, BindManyResponse>('BindMany', { bindings });
    return bindings.map((_, i) => {
      const r = res.results?.[i];
      if (!r) return new ApiError('InternalError', 'BindMany: no result for this binding');
      return r.reason ? ApiError.fromParts(r.reason, r.message, r.details) : undefined;
    });
  }

  /**
   * Streams events until the server ends the stream, the signal aborts, or an error arrives
   * (thrown as ApiError; an ERROR event with reason Expired is thrown as ApiError('Expired')).
   */
  async *watch<T extends KubeObject>(
    resource: string,
    opts: WatchOptions,
    signal: AbortSignal,
  ): AsyncGenerator<Event<T>> {
    const { client, index } = this.endpoints.pick();
    const stream = (client.Watch as (req: unknown, md: grpc.Metadata) => grpc.ClientReadableStream<WatchEvents>).call(
      client,
      {
        target: { resource, namespace: opts.namespace ?? '', name: '' },
        labelSelector: opts.labelSelector ?? '',
        fieldSelector: opts.fieldSelector ?? '',
        resourceVersion: opts.resourceVersion ?? '',
        allowBookmarks: opts.allowBookmarks ?? false,
        timeoutSeconds: opts.timeoutSeconds ?? 0,
      },
      new grpc.Metadata(),
    );
    const onAbort = (): void => stream.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const batch of stream as AsyncIterable<WatchEvents>) {
        for (const ev of batch.events) {
          const object = JSON.parse(ev.object.toString('utf8')) as T;
          if (ev.type === 'ERROR') {
            const st = object as unknown as { reason?: string; message?: string };
            throw new ApiError(
              st.reason === 'Expired' || st.reason === 'Gone' ? 'Expired' : 'InternalError',
              st.message ?? 'watch error',
            );
          }
          yield { type: ev.type, object };
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      if (isTransportFailure(err)) this.endpoints.failed(index);
      throw ApiError.from(err);
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.cancel();
    }
  }

  close(): void {
    this.endpoints.close();
  }
}

/** Key of an object in caches and work queues: "namespace/name", or "name" when cluster-scoped. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name ?? ''}` : (obj.metadata.name ?? '');
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
