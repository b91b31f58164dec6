/**
 * The Kubelet service as both of its ends speak it: the options of a container's log and of an
 * exec, the result of an exec, and the codecs between them and the gRPC messages (messages.ts).
 * The apiserver encodes (kubelets/connector.ts), the kubelet decodes (server/handlers.ts).
 */
import type { ExecExit, ExecStart, LogsRequest, PodRef } from './messages.js';

/** Upstream's PodLogOptions of one container, as the kubelet serves them. */
export interface LogOptions {
  follow: boolean;
  /** The instance before the current one (`kubectl logs --previous`). */
  previous: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC 3339. */
  sinceTime?: string;
  timestamps: boolean;
  limitBytes?: number;
}

/** A pods/log request: the container and its log options. */
export interface PodLogOptions extends LogOptions {
  container: string;
}

/** What an exec asks for: the command and the streams it wants. */
export interface ExecOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** How an exec (or attach) ended: its exit code, or why there is none. */
export type ExecResult = { code: number } | { error: string };

export function logsRequest(pod: PodRef, container: string, o: LogOptions): LogsRequest {
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

/** The log options of a LogsRequest; proto3's zero values stand for "not set". */
export function logOptionsOf(r: LogsRequest): LogOptions {
  const o: LogOptions = { follow: r.follow, previous: r.previous, timestamps: r.timestamps };
  if (r.hasTailLines) o.tailLines = Math.max(0, r.tailLines);
  if (r.sinceSeconds > 0) o.sinceSeconds = r.sinceSeconds;
  if (r.sinceTime) o.sinceTime = r.sinceTime;
  if (r.limitBytes > 0) o.limitBytes = r.limitBytes;
  return o;
}

/** The first message of an Exec call: exec (attach false) or attach (the command is ignored). */
export function execStart(pod: PodRef, container: string, o: ExecOptions, attach: boolean): ExecStart {
  return { pod, container, command: o.command, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr, tty: o.tty, attach };
}

/** The ExecOptions of an ExecStart message. */
export function execOptionsOf(s: ExecStart): ExecOptions {
  return { command: s.command, stdin: s.stdin, stdout: s.stdout, stderr: s.stderr, tty: s.tty };
}

/** The last message of an Exec call. */
export function execExit(r: ExecResult): ExecExit {
  return 'code' in r ? { code: r.code, error: '' } : { code: 0, error: r.error };
}

export function execResultOf(e: ExecExit): ExecResult {
  return e.error ? { error: e.error } : { code: e.code };
}
