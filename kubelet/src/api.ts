/**
 * What the kubelet needs from the apiserver, as interfaces that ApiClient and Informer satisfy
 * structurally, so tests can hand in the apiserver in process (testing/fakes.ts).
 */
import { ApiError, type StatusReason } from '@kubelab/proto';
import type { KubeObject, Pod } from '@kubelab/api';
import type { Cache, DeleteOptions, GetOptions } from '@kubelab/client';

export interface KubeletApi {
  get<T extends KubeObject>(resource: string, namespace: string, name: string, opts?: GetOptions): Promise<T>;
  create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T>;
  update<T extends KubeObject>(resource: string, obj: T): Promise<T>;
  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T>;
  delete<T extends KubeObject = KubeObject>(
    resource: string,
    namespace: string,
    name: string,
    opts?: DeleteOptions,
  ): Promise<T>;
}

/** The pods bound to this node, as the informer's cache sees them. */
export interface PodSource extends Pick<Cache<Pod>, 'list' | 'hasSynced' | 'waitForSync' | 'addHandlers'> {
  run(signal: AbortSignal): Promise<void>;
}

export function isReason(err: unknown, ...reasons: StatusReason[]): boolean {
  return err instanceof ApiError && reasons.includes(err.reason);
}

export function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
