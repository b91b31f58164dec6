/**
 * The seam between the client-facing stream protocols (WebSocket channels, SPDY) and whatever
 * runs the command or reaches the port (the kubelet over gRPC in the cluster, local processes in
 * tests).
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { KubeObject } from '@kubelab/api';

export interface ExecRequest {
  /** Empty for attach. */
  command: string[];
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export type ExecResult = { code: number } | { error: string };

export interface ExecSession {
  /** Ended when the client closes its stdin (SPDY FIN, v5 CLOSE signal). Null if not requested. */
  stdin: Writable | null;
  /** Null if not requested (stderr is always null with a tty). */
  stdout: Readable | null;
  stderr: Readable | null;
  resize(width: number, height: number): void;
  /** Settles when the command ends: its exit code, or an error message. */
  exit: Promise<ExecResult>;
  /** The client went away before the command ended: stop it and release resources. */
  abort?(): void;
}

export interface ExecBackend {
  start(req: ExecRequest): Promise<ExecSession>;
}

export interface PortForwardBackend {
  /** A byte stream to `port` inside the pod; rejected with a message when it cannot be reached. */
  connect(port: number): Promise<Duplex>;
}

/** Injected into the REST server: backends for one pod (and container). */
export interface StreamBackends {
  exec(pod: KubeObject, container: string): ExecBackend | Promise<ExecBackend>;
  attach(pod: KubeObject, container: string): ExecBackend | Promise<ExecBackend>;
  portForward(pod: KubeObject): PortForwardBackend | Promise<PortForwardBackend>;
}
