/**
 * The scheduler's binds, sent together: binds asked for in the same turn of the event loop go out
 * in one BindMany call (at most `perCall`; @kubelab/client/call-batch), each answered on its own,
 * so a burst of decisions costs the apiserver and the scheduler one call per batch instead of one
 * per pod (a unary call's own cost, headers, TLS record, credentials and the bound pod's JSON back,
 * was most of a bind's). The apiserver does each binding as a Bind alone (authorization,
 * admission, the pod's precondition). An API without bindMany, or an apiserver that does not know
 * it (UNIMPLEMENTED), gets one Bind per pod.
 */
import { CallBatcher } from '@kubelab/client/call-batch';
import { MAX_BINDINGS_PER_CALL, type BindRequest } from '@kubelab/proto';
import type { SchedulerApi } from './api.js';

export class Binder {
  private readonly batcher: CallBatcher<BindRequest, void>;

  constructor(api: SchedulerApi, perCall = 32) {
    const many = api.bindMany;
    this.batcher = new CallBatcher<BindRequest, void>(
      {
        method: 'BindMany',
        one: async (b) => void (await api.bind(b.namespace, b.name, b.nodeName, b.podUid)),
        many: many && ((bs) => many.call(api, bs)),
      },
      Math.max(1, Math.min(perCall, MAX_BINDINGS_PER_CALL)),
    );
  }

  /** Resolves once the pod is bound; rejects with the apiserver's refusal (an ApiError). */
  bind(namespace: string, name: string, nodeName: string, podUid: string): Promise<void> {
    return this.batcher.call({ namespace, name, nodeName, podUid });
  }
}
