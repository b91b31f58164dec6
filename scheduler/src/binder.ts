/**
 * The scheduler's binds, sent together: binds asked for in the same turn of the event loop go out
 * in one BindMany call (at most `perCall`), each answered on its own, so a burst of decisions costs
 * the apiserver and the scheduler one call per batch instead of one per pod (a unary call's own
 * cost, headers, TLS record, credentials and the bound pod's JSON back, was most of a bind's). The
 * apiserver does each binding as a Bind alone (authorization, admission, the pod's precondition).
 * An API without bindMany, or an apiserver that does not know it (UNIMPLEMENTED), gets one Bind per pod.
 */
import { ApiError, MAX_BINDINGS_PER_CALL, type BindRequest } from '@kubelab/proto';
import type { SchedulerApi } from './api.js';

interface Waiting {
  req: BindRequest;
  resolve: () => void;
  reject: (err: ApiError) => void;
}

export class Binder {
  private pending: Waiting[] = [];
  private flushQueued = false;
  private batches: boolean;
  private readonly perCall: number;

  constructor(
    private readonly api: SchedulerApi,
    perCall = 32,
  ) {
    this.batches = typeof api.bindMany === 'function';
    this.perCall = Math.max(1, Math.min(perCall, MAX_BINDINGS_PER_CALL));
  }

  /** Resolves once the pod is bound; rejects with the apiserver's refusal (an ApiError). */
  bind(namespace: string, name: string, nodeName: string, podUid: string): Promise<void> {
    if (!this.batches) return this.one({ namespace, name, nodeName, podUid });
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ req: { namespace, name, nodeName, podUid }, resolve, reject });
      if (this.pending.length >= this.perCall) this.flush();
      else if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(() => {
          this.flushQueued = false;
          this.flush();
        });
      }
    });
  }

  private async one(req: BindRequest): Promise<void> {
    try {
      await this.api.bind(req.namespace, req.name, req.nodeName, req.podUid);
    } catch (err) {
      throw ApiError.from(err);
    }
  }

  private flush(): void {
    while (this.pending.length > 0) void this.send(this.pending.splice(0, this.perCall));
  }

  private async send(batch: Waiting[]): Promise<void> {
    let results: (ApiError | undefined)[];
    try {
      results = await (this.api.bindMany as NonNullable<SchedulerApi['bindMany']>)(batch.map((w) => w.req));
    } catch (err) {
      const e = ApiError.from(err);
      if (e.reason === 'MethodNotAllowed' && e.message.includes('BindMany')) {
        // An apiserver without BindMany: one Bind each from now on.
        this.batches = false;
        for (const w of batch) this.one(w.req).then(w.resolve, w.reject);
        return;
      }
      for (const w of batch) w.reject(e);
      return;
    }
    batch.forEach((w, i) => {
      const refused = results[i];
      if (refused) w.reject(refused);
      else w.resolve();
    });
  }
}
