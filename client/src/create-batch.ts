/**
 * Creates of one resource that come in the same event-loop turn go to the apiserver together, in
 * one CreateMany call (at most `perCall`), each answered on its own: a component's burst of Events
 * (a kubelet starting a pod writes three at once; the scheduler one per pod it binds) costs one
 * call instead of one each. A sink without createMany, or an apiserver that does not know it
 * (UNIMPLEMENTED), gets one Create per object.
 */
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';

/** The ApiClient methods the batcher uses (ApiClient satisfies it). */
export interface CreateSink {
  create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T>;
  createMany?(resource: string, objs: readonly KubeObject[]): Promise<(KubeObject | ApiError)[]>;
}

interface Waiting {
  obj: KubeObject;
  resolve: (created: KubeObject) => void;
  reject: (err: ApiError) => void;
}

export class CreateBatcher {
  private pending: Waiting[] = [];
  private flushQueued = false;
  private batches: boolean;

  constructor(
    private readonly sink: CreateSink,
    private readonly resource: string,
    private readonly perCall = 64,
  ) {
    this.batches = typeof sink.createMany === 'function';
  }

  /** Resolves with the created object; rejects with the apiserver's refusal (an ApiError). */
  create<T extends KubeObject>(obj: T): Promise<T> {
    if (!this.batches) return this.one(obj);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ obj, resolve: resolve as (o: KubeObject) => void, reject });
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

  private async one<T extends KubeObject>(obj: T): Promise<T> {
    try {
      return await this.sink.create(this.resource, obj, obj.metadata.namespace);
    } catch (err) {
      throw ApiError.from(err);
    }
  }

  private flush(): void {
    while (this.pending.length > 0) void this.send(this.pending.splice(0, this.perCall));
  }

  private async send(batch: Waiting[]): Promise<void> {
    if (batch.length === 1 || !this.batches) {
      for (const w of batch) this.one(w.obj).then(w.resolve, w.reject);
      return;
    }
    let results: (KubeObject | ApiError)[];
    try {
      results = await (this.sink.createMany as NonNullable<CreateSink['createMany']>).call(
        this.sink,
        this.resource,
        batch.map((w) => w.obj),
      );
    } catch (err) {
      const e = ApiError.from(err);
      if (e.reason === 'MethodNotAllowed' && e.message.includes('CreateMany')) {
        // An apiserver without CreateMany: one Create each from now on.
        this.batches = false;
        for (const w of batch) this.one(w.obj).then(w.resolve, w.reject);
        return;
      }
      for (const w of batch) w.reject(e);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i];
      if (r instanceof ApiError) w.reject(r);
      else if (r) w.resolve(r);
      else w.reject(new ApiError('InternalError', 'CreateMany: no result for this object'));
    });
  }
}
