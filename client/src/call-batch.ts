/**
 * Calls asked for in the same event-loop turn go to the apiserver together, in one "many" call
 * (at most `perCall`), each answered on its own: the scheduler's binds of one turn (BindMany), an
 * ApiClient's creates of one turn (CreateMany). A unary call's own cost (headers, TLS record,
 * credentials, the handler's dispatch) was most of a small write's. Without a many call, or with
 * an apiserver that does not know it (UNIMPLEMENTED), each goes as a call of its own; so does a
 * call alone in its turn.
 */
import { ApiError } from '@kubelab/proto';

export interface BatchedCalls<Req, Res> {
  /** The many call's name: an UNIMPLEMENTED that names it turns batching off. */
  method: string;
  one(req: Req): Promise<Res>;
  /** One result per request, in order: an ApiError is that request's refusal. */
  many?(reqs: Req[]): Promise<(Res | ApiError)[]>;
  /**
   * Requests of different groups never share a call. A many call is answered once its slowest
   * request is done, so a create waiting in admission (a pod for its ServiceAccount) must not hold
   * back the create it waits for (that ServiceAccount): ApiClient groups creates by resource and
   * namespace.
   */
  group?(req: Req): string;
}

interface Waiting<Req, Res> {
  req: Req;
  resolve: (res: Res) => void;
  reject: (err: ApiError) => void;
}

export class CallBatcher<Req, Res> {
  private pending: Waiting<Req, Res>[] = [];
  private flushQueued = false;
  private batches: boolean;

  constructor(
    private readonly calls: BatchedCalls<Req, Res>,
    private readonly perCall: number,
  ) {
    this.batches = typeof calls.many === 'function';
  }

  /** Resolves with the request's result; rejects with its refusal (an ApiError). */
  call(req: Req): Promise<Res> {
    if (!this.batches) return this.one(req);
    return new Promise<Res>((resolve, reject) => {
      this.pending.push({ req, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(() => {
          this.flushQueued = false;
          this.flush();
        });
      }
    });
  }

  private async one(req: Req): Promise<Res> {
    try {
      return await this.calls.one(req);
    } catch (err) {
      throw ApiError.from(err);
    }
  }

  private flush(): void {
    const groups = new Map<string, Waiting<Req, Res>[]>();
    for (const w of this.pending.splice(0)) {
      const key = this.calls.group?.(w.req) ?? '';
      const g = groups.get(key);
      if (g) g.push(w);
      else groups.set(key, [w]);
    }
    for (const g of groups.values())
      for (let i = 0; i < g.length; i += this.perCall) void this.send(g.slice(i, i + this.perCall));
  }

  private async send(batch: Waiting<Req, Res>[]): Promise<void> {
    if (!this.batches || batch.length === 1) {
      for (const w of batch) this.one(w.req).then(w.resolve, w.reject);
      return;
    }
    let results: (Res | ApiError)[];
    try {
      results = await (this.calls.many as NonNullable<BatchedCalls<Req, Res>['many']>)(batch.map((w) => w.req));
    } catch (err) {
      const e = ApiError.from(err);
      if (e.reason === 'MethodNotAllowed' && e.message.includes(this.calls.method)) {
        // An apiserver without the many call: one call each from now on.
        this.batches = false;
        for (const w of batch) this.one(w.req).then(w.resolve, w.reject);
        return;
      }
      for (const w of batch) w.reject(e);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i];
      if (r instanceof ApiError) w.reject(r);
      else if (i < results.length) w.resolve(r as Res);
      else w.reject(new ApiError('InternalError', `${this.calls.method}: no result for this request`));
    });
  }
}
