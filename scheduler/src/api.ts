/**
 * The scheduler's seams: the ApiClient methods it calls (SchedulerApi), the read side of an
 * Informer (Cache) and the queue its handlers feed (KeyQueue). The real types from
 * @kubelab/client fit structurally; unit tests hand in the in-process apiserver (@kubelab/apiserver/testing).
 */
import type { KubeObject } from '@kubelab/api';
import type { ApiError, BindRequest } from '@kubelab/proto';
import type { ApiClient, Cache, Informer, KeyQueue, WorkQueue } from '@kubelab/client';

export type { Cache, KeyQueue } from '@kubelab/client';

export interface SchedulerApi {
  bind(namespace: string, name: string, nodeName: string, podUid?: string): Promise<KubeObject>;
  /** Binds in one call (binder.ts); optional: without it every bind is a call of its own. */
  bindMany?(bindings: readonly BindRequest[]): Promise<(ApiError | undefined)[]>;
  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T>;
}

export type ApiClientFits = ApiClient extends SchedulerApi ? true : never;
export type InformerFits = Informer<KubeObject> extends Cache<KubeObject> ? true : never;
export type WorkQueueFits = WorkQueue extends KeyQueue ? true : never;
const fits: [ApiClientFits, InformerFits, WorkQueueFits] = [true, true, true];
void fits;
