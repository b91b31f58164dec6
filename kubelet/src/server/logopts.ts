/** PodLogOptions as they arrive over gRPC, as Docker wants them, and the limitBytes cut-off. */
import { Transform, type TransformCallback } from 'node:stream';
import { ApiError, type LogsRequest } from '@kubelab/proto';
import type { LogOptions } from './backend.js';

export function logOptionsFromRequest(r: LogsRequest): LogOptions {
  const o: LogOptions = { follow: r.follow, previous: r.previous, timestamps: r.timestamps };
  if (r.hasTailLines) o.tailLines = Math.max(0, r.tailLines);
  if (r.sinceSeconds > 0) o.sinceSeconds = r.sinceSeconds;
  if (r.sinceTime) o.sinceTime = r.sinceTime;
  if (r.limitBytes > 0) o.limitBytes = r.limitBytes;
  return o;
}

export function logsRequest(pod: LogsRequest['pod'], container: string, o: LogOptions): LogsRequest {
  return {
    pod,
    container,
    follow: o.follow,
    previous: o.previous,
    hasTailLines: o.tailLines !== undefined,
    tailLines: o.tailLines ?? 0,
    sinceSeconds: o.sinceSeconds ?? 0,
    sinceTime: o.sinceTime ?? '',
    timestamps: o.timestamps,
    limitBytes: o.limitBytes ?? 0,
  };
}

export interface DockerLogOptions {
  follow: boolean;
  stdout: true;
  stderr: true;
  timestamps: boolean;
  tail?: number;
  /** Unix seconds. */
  since?: number;
}

/** Docker's logs query for the options; `follow` is dropped for a container that is not running. */
export function dockerLogOptions(o: LogOptions, nowMs: number, running: boolean): DockerLogOptions {
  const d: DockerLogOptions = { follow: o.follow && running, stdout: true, stderr: true, timestamps: o.timestamps };
  if (o.tailLines !== undefined) d.tail = o.tailLines;
  let sinceMs: number | undefined;
  if (o.sinceSeconds !== undefined) sinceMs = nowMs - o.sinceSeconds * 1000;
  else if (o.sinceTime !== undefined) {
    const t = Date.parse(o.sinceTime);
    if (Number.isNaN(t)) throw new ApiError('BadRequest', `sinceTime: Invalid value: "${o.sinceTime}": must be an RFC3339 time`);
    sinceMs = t;
  }
  if (sinceMs !== undefined) d.since = Math.max(0, Math.floor(sinceMs / 1000));
  return d;
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
