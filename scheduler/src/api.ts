/**
 * The scheduler's seams: the ApiClient methods it calls (SchedulerApi), the read side of an
 * Informer (Cache) and the queue its handlers feed (KeyQueue). The real types from
 * @kubelab/client fit structurally; src/testing holds fakes.
 */
import type { KubeObject } from '@kubelab/api';
import type { ApiClient, Handlers, Informer, WorkQueue } from '@kubelab/client';

export interface SchedulerApi {
  bind(namespace: string, name: string, nodeName: string, podUid?: string): Promise<KubeObject>;
  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T>;
}

export interface Cache<T extends KubeObject> {
  get(key: string): T | undefined;
  list(): T[];
  addHandlers(h: Handlers<T>): void;
  hasSynced(): boolean;
  waitForSync(): Promise<void>;
}

export interface KeyQueue {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
}

export type ApiClientFits = ApiClient extends SchedulerApi ? true : never;
export type InformerFits = Informer<KubeObject> extends Cache<KubeObject> ? true : never;
export type WorkQueueFits = WorkQueue extends KeyQueue ? true : never;
const fits: [ApiClientFits, InformerFits, WorkQueueFits] = [true, true, true];
void fits;
