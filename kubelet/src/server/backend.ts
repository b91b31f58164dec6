/**
 * The seam between the kubelet's gRPC server and the pods of this node: logs, exec/attach,
 * port-forward and stats. runtimebackend.ts implements it over the ContainerRuntime; handler tests
 * use fakes. Errors are ApiErrors with upstream's messages.
 */
import type { Duplex, Readable } from 'node:stream';
import type { ExecOptions, LogOptions, PodRef, StatsResponse } from '@kubelab/proto';
import type { ContainerStream } from '../runtime/runtime.js';

/** An exec, or with attach an attach to the container's main process (the command is then ignored). */
export interface ExecStreamOptions extends ExecOptions {
  attach: boolean;
}

export interface KubeletBackend {
  /** The merged stdout+stderr of a container, ending when done (or, with follow, when the container stops). */
  logs(pod: PodRef, container: string, opts: LogOptions): Promise<Readable>;
  exec(pod: PodRef, container: string, opts: ExecStreamOptions): Promise<ContainerStream>;
  /** A TCP connection to the port in the pod's network namespace. */
  portForward(pod: PodRef, port: number): Promise<Duplex>;
  /** Usage of every running pod container of this node (or of one pod). */
  stats(pod?: PodRef): Promise<StatsResponse>;
}
