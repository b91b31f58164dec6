/**
 * The seam between the apiserver's front ends (gRPC service, Kubernetes REST facade) and its
 * storage-backed registry. Both front ends call this and nothing else; errors are ApiError.
 */
import type { KubeObject } from '@kubelab/api';
import type { WatchEventType } from '@kubelab/proto';

export interface ListQuery {
  /** "" = all namespaces (or cluster-scoped). */
  namespace: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** "" (unset) = latest; "0" = any; "N" = see resourceVersionMatch. */
  resourceVersion?: string;
  /** "Exact" | "NotOlderThan" | unset (legacy: Exact with a limit, else NotOlderThan). */
  resourceVersionMatch?: string;
}

export interface GetOptions {
  /** "" / "0" = latest; "N" = not older than N (waits briefly, then 504 Too large resource version). */
  resourceVersion?: string;
  /**
   * The caller only reads the result (the REST get serializes it): an object served from the
   * watch cache may then be the cache's shared copy, which must never be changed.
   */
  shared?: boolean;
  /**
   * Only the watch cache, as it is now: no wait and no storage read; NotFound when it is not synced
   * or lacks the object (a cache not started yet starts, for the next read). The REST update reads
   * the object it replaces this way (handlers/write.ts), the TokenRequest the pod it binds to.
   */
  cacheOnly?: boolean;
  /**
   * A read as upstream's admission plugins make through an informer's lister, for the resources
   * they read so (Core's LISTED_RESOURCES): the watch cache's copy once it has seen this
   * apiserver's last write of the resource, else (and when it lacks the object) storage.
   */
  listed?: boolean;
  /**
   * The resourceVersion an update names: the watch cache's copy when it holds the object at
   * exactly that version (the update's own precondition then makes it current, or a 409), else
   * storage. Admission's old object is read so (auth/admission.ts).
   */
  atVersion?: string;
}

export interface ListPage {
  items: KubeObject[];
  /** The store revision the list was read at. */
  resourceVersion: string;
  /** Non-empty when more items follow (limit + continue). */
  continue: string;
}

export interface WatchQuery extends ListQuery {
  allowBookmarks?: boolean;
  /**
   * Watch-list (upstream's WatchList): true = the state as ADDED events first (resourceVersion "":
   * consistent, "0": any, "N": not older than N), then — with allowBookmarks — a BOOKMARK annotated
   * `k8s.io/initial-events-end: "true"`; false = no initial state, changes from the start point
   * ("": now, "0": any, "N": after N); unset = the legacy semantics.
   */
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

export interface RegistryEvent {
  type: WatchEventType;
  object: KubeObject;
  /** JSON of `object`, shared by every watcher that gets this event (made once per event). */
  objectJson?: () => string;
  /** objectJson() as bytes, shared by every watcher of the event (never to be changed). */
  objectBytes?: () => Buffer;
  /** The REST watch line `{"type":…,"object":…}\n` with the object typed as apiVersion/kind, as UTF-8, shared likewise. */
  watchLine?: (apiVersion: string, kind: string) => Buffer;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
}

export interface StatusOptions {
  /** Which status subresource writes: "status" (default), or "approval" (CSRs: only their conditions). */
  subresource?: 'status' | 'approval';
}

export interface DeleteOpts {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditionUid?: string;
  preconditionResourceVersion?: string;
}

export interface Registry {
  /** Resolves when the storage answers a read (/readyz's etcd check). */
  storageReady?(): Promise<void>;
  /** Why the storage's watches are unhealthy right now, if they are (/readyz's etcd-watch check). */
  watchHealth?(): string | undefined;
  create(resource: string, namespace: string, obj: KubeObject, opts?: WriteOptions): Promise<KubeObject>;
  get(resource: string, namespace: string, name: string, opts?: GetOptions): Promise<KubeObject>;
  list(resource: string, q: ListQuery): Promise<ListPage>;
  /** Replaces spec/metadata (status is kept); CAS on metadata.resourceVersion when given. */
  update(resource: string, namespace: string, name: string, obj: KubeObject, opts?: WriteOptions): Promise<KubeObject>;
  /** Replaces only status (as the resource's strategy allows); CAS on metadata.resourceVersion when given. */
  updateStatus(
    resource: string,
    namespace: string,
    name: string,
    obj: KubeObject,
    opts?: StatusOptions,
  ): Promise<KubeObject>;
  /** Returns the deleted object, or (graceful pod delete, finalizers) the object marked for deletion. */
  delete(resource: string, namespace: string, name: string, opts?: DeleteOpts): Promise<KubeObject>;
  /** Ends when the signal aborts or timeoutSeconds pass; throws ApiError('Expired') on a compacted revision. */
  watch(resource: string, q: WatchQuery, signal: AbortSignal): AsyncIterable<RegistryEvent>;
  bind(namespace: string, name: string, nodeName: string, podUid?: string): Promise<KubeObject>;
  /**
   * The watch cache's objects of a resource in a namespace that match, as it holds them now (shared
   * and read-only: never changed, never handed out), in no order; undefined when there is no synced
   * cache. No wait for the cache to catch up, no copies: for the apiserver's own lookups.
   */
  cachedObjects?(resource: string, namespace: string, match: (o: KubeObject) => boolean): KubeObject[] | undefined;
}
