/**
 * Creates of one resource that come in the same event-loop turn go to the apiserver in one
 * CreateMany call (call-batch.ts): a kubelet starting a pod records three Events at once, the
 * scheduler one per pod it binds. A sink without createMany, or an apiserver that does not know
 * it, gets one Create per object.
 */
import type { KubeObject } from '@kubelab/api';
import type { ApiError } from '@kubelab/proto';
import { CallBatcher } from './call-batch.js';

/** The ApiClient methods the batcher uses (ApiClient satisfies it). */
export interface CreateSink {
  create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T>;
  createMany?(resource: string, objs: readonly KubeObject[]): Promise<(KubeObject | ApiError)[]>;
}

export class CreateBatcher {
  private readonly batcher: CallBatcher<KubeObject, KubeObject>;

  constructor(sink: CreateSink, resource: string, perCall = 64) {
    const many = sink.createMany;
    this.batcher = new CallBatcher(
      {
        method: 'CreateMany',
        one: (obj) => sink.create(resource, obj, obj.metadata.namespace),
        many: many && ((objs) => many.call(sink, resource, objs)),
      },
      perCall,
    );
  }

  /** Resolves with the created object; rejects with the apiserver's refusal (an ApiError). */
  create<T extends KubeObject>(obj: T): Promise<T> {
    return this.batcher.call(obj) as Promise<T>;
  }
}
