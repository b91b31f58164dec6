/**
 * Fake stream backends for tests: exec runs the command as a local child process (no TTY);
 * port-forward connects to local TCP ports on 127.0.0.1 through a pod-port → local-port map.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '@kubelab/api';
import type { ExecBackend, ExecRequest, ExecResult, ExecSession, PortForwardBackend, StreamBackends } from './types.js';

export class LocalExecBackend implements ExecBackend {
  readonly started: ExecRequest[] = [];
  readonly resizes: [number, number][] = [];

  start(req: ExecRequest): Promise<ExecSession> {
    this.started.push(req);
    const [cmd, ...args] = req.command.length > 0 ? req.command : ['cat'];
    const child = spawn(cmd!, args, {
      stdio: [
        req.stdin ? 'pipe' : 'ignore',
        req.stdout ? 'pipe' : 'ignore',
        req.stderr && !req.tty ? 'pipe' : 'ignore',
      ],
    });
    const exit = new Promise<ExecResult>((resolve) => {
      child.once('error', (err) => resolve({ error: `exec: ${JSON.stringify(cmd)}: ${err.message}` }));
      child.once('close', (code, signal) =>
        resolve({ code: code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1) }),
      );
    });
    return Promise.resolve({
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      resize: (w, h) => {
        this.resizes.push([w, h]);
      },
      exit,
      abort: () => {
        child.kill('SIGKILL');
      },
    });
  }
}

export class LocalPortForwardBackend implements PortForwardBackend {
  constructor(private readonly ports: Map<number, number>) {}

  connect(port: number): Promise<Duplex> {
    const local = this.ports.get(port);
    if (local === undefined)
      return Promise.reject(new Error(`dial tcp4 127.0.0.1:${port}: connect: connection refused`));
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port: local });
      sock.once('connect', () => {
        sock.off('error', reject);
        resolve(sock);
      });
      sock.once('error', reject);
    });
  }
}

/** StreamBackends over the local fakes, remembering which pods/containers were asked for. */
export function localStreamBackends(
  ports: Map<number, number>,
): StreamBackends & { calls: string[]; exec_: LocalExecBackend } {
  const exec = new LocalExecBackend();
  const pf = new LocalPortForwardBackend(ports);
  const calls: string[] = [];
  const name = (pod: KubeObject): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
  return {
    calls,
    exec_: exec,
    exec: (pod, container) => {
      calls.push(`exec ${name(pod)} ${container}`);
      return exec;
    },
    attach: (pod, container) => {
      calls.push(`attach ${name(pod)} ${container}`);
      return exec;
    },
    portForward: (pod) => {
      calls.push(`portforward ${name(pod)}`);
      return pf;
    },
  };
}
