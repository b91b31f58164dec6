/**
 * What the REST layer gets from the kubelets: the backends behind exec/attach/port-forward
 * (structurally the same interfaces as rest/streams expects) and the PodLogOptions.
 */
import type { Duplex, Readable, Writable } from 'node:stream';

export interface ExecRequest {
  command: string[];
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ExecSession {
  /** Null when not requested (stderr also with a tty). */
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  resize(w: number, h: number): void;
  exit: Promise<{ code: number } | { error: string }>;
  /** The client went away: cancel the kubelet call. */
  abort(): void;
}

export interface ExecBackend {
  start(req: ExecRequest): Promise<ExecSession>;
}

export interface PortForwardBackend {
  connect(port: number): Promise<Duplex>;
}

export interface PodKey {
  namespace: string;
  name: string;
}

export interface PodLogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps: boolean;
  limitBytes?: number;
}
