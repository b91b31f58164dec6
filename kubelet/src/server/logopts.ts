/** The log options of a request in the runtime's terms, and the limitBytes cut-off. */
import { Transform, type TransformCallback } from 'node:stream';
import { ApiError, type LogOptions } from '@kubelab/proto';
import type { ContainerLogOptions } from '../runtime/runtime.js';

/** What to read of the container's log; `follow` is dropped for a container that is not running. */
export function containerLogOptions(o: LogOptions, nowMs: number, running: boolean): ContainerLogOptions {
  const c: ContainerLogOptions = { follow: o.follow && running, timestamps: o.timestamps };
  if (o.tailLines !== undefined) c.tailLines = o.tailLines;
  if (o.sinceSeconds !== undefined) c.sinceMs = nowMs - o.sinceSeconds * 1000;
  else if (o.sinceTime !== undefined) {
    const t = Date.parse(o.sinceTime);
    if (Number.isNaN(t))
      throw new ApiError('BadRequest', `sinceTime: Invalid value: "${o.sinceTime}": must be an RFC3339 time`);
    c.sinceMs = t;
  }
  return c;
}

/** Passes the first `limit` bytes, then ends the output (and reports through onLimit so the source can be stopped). */
export class ByteLimit extends Transform {
  private left: number;

  constructor(
    limit: number,
    private readonly onLimit: () => void = () => undefined,
  ) {
    super();
    this.left = limit;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.left <= 0) return cb();
    const part = chunk.length <= this.left ? chunk : chunk.subarray(0, this.left);
    this.left -= part.length;
    this.push(part);
    if (this.left <= 0) {
      this.push(null);
      this.onLimit();
    }
    cb();
  }
}
