/**
 * The seams of the controller-manager: the part of ApiClient the controllers call (ApiLike), the
 * read side of an Informer (Cache), and the work queue they feed (KeyQueue). ApiClient, Informer
 * and WorkQueue from @kubelab/client satisfy these structurally; unit tests use the in-process apiserver.
 */
import type { KubeObject } from '@kubelab/api';
import type {
  ApiClient,
  Cache as ClientCache,
  DeleteOptions,
  Event,
  Informer,
  KeyQueue,
  ListOptions,
  ListResult,
  ReconcileResult,
  WatchOptions,
  WorkQueue,
} from '@kubelab/client';

export type { KeyQueue } from '@kubelab/client';

export interface ApiLike {
  create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T>;
  get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T>;
  list<T extends KubeObject>(resource: string, opts?: ListOptions): Promise<ListResult<T>>;
  update<T extends KubeObject>(resource: string, obj: T): Promise<T>;
  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T>;
  delete<T extends KubeObject = KubeObject>(
    resource: string,
    namespace: string,
    name: string,
    opts?: DeleteOptions,
  ): Promise<T>;
  watch<T extends KubeObject>(resource: string, opts: WatchOptions, signal: AbortSignal): AsyncGenerator<Event<T>>;
}

/** What a controller reads from an informer: the client's cache, with the resource it holds. */
export interface Cache<T extends KubeObject> extends ClientCache<T> {
  readonly resource: string;
}

/** A reconciling controller: handlers enqueue keys, workers call reconcile(key). */
export interface Controller {
  readonly name: string;
  readonly queue: KeyQueue;
  /** Caches that must have synced before the first reconcile. */
  readonly caches: Cache<KubeObject>[];
  /** Resolves with `{ requeueAfterMs }` to be looked at again after that delay (a throw retries with back-off). */
  reconcile(key: string): Promise<void | ReconcileResult>;
  /** Called once, after the caches synced and before the workers start. */
  onSynced?(): void;
}

// Compile-time proof that the real client types fit the seams.
export type ApiClientFits = ApiClient extends ApiLike ? true : never;
export type InformerFits = Informer<KubeObject> extends Cache<KubeObject> ? true : never;
export type WorkQueueFits = WorkQueue extends KeyQueue ? true : never;
const fits: [ApiClientFits, InformerFits, WorkQueueFits] = [true, true, true];
void fits;
