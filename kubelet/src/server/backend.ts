/**
 * The seam between the kubelet's gRPC server and whatever runs the containers: logs, exec/attach,
 * port-forward and stats of the pods on this node. The Docker implementation is in docker.ts;
 * tests use fakes. Errors are ApiErrors with upstream's messages.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { PodRef, StatsResponse } from '@kubelab/proto';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC3339 */
  sinceTime?: string;
  timestamps: boolean;
  limitBytes?: number;
}

export interface ExecOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** Attach to the container's main process instead of running command. */
  attach: boolean;
}

export type ExecResult = { code: number } | { error: string };

export interface ExecProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  resize(width: number, height: number): void;
  /** Settles once the output is complete. */
  exit: Promise<ExecResult>;
  /** Drops the connection to the process (the caller went away). */
  close(): void;
}

export interface KubeletBackend {
  /** The merged stdout+stderr of a container, ending when done (or, with follow, when the container stops). */
  logs(pod: PodRef, container: string, opts: LogOptions): Promise<Readable>;
  exec(pod: PodRef, container: string, opts: ExecOptions): Promise<ExecProcess>;
  /** A TCP connection to the port in the pod's network namespace. */
  portForward(pod: PodRef, port: number): Promise<Duplex>;
  /** Usage of every running pod container of this node (or of one pod). */
  stats(pod?: PodRef): Promise<StatsResponse>;
}
