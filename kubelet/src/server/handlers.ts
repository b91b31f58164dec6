/**
 * The Kubelet gRPC service over a KubeletBackend: each handler turns a gRPC call into backend
 * streams and back, with back-pressure ('drain'), and tears the backend side down when the
 * caller cancels. Every error leaves as ApiError.toGrpc().
 */
import * as grpc from '@grpc/grpc-js';
import type { Duplex, Readable } from 'node:stream';
import type { Logger } from 'pino';
import {
  ApiError,
  execExit,
  execOptionsOf,
  logOptionsOf,
  type Chunk,
  type ExecInput,
  type ExecOutput,
  type LogsRequest,
  type PodRef,
  type PortForwardData,
  type StatsRequest,
  type StatsResponse,
} from '@kubelab/proto';
import type { ContainerStream } from '../runtime/runtime.js';
import type { KubeletBackend } from './backend.js';

function toApiError(err: unknown, log: Logger, method: string): ApiError {
  const e = ApiError.from(err);
  if (e.reason === 'InternalError') log.warn({ method, err: e.message }, 'kubelet call failed');
  else log.debug({ method, reason: e.reason, err: e.message }, 'kubelet call failed');
  return e;
}

function checkPod(pod: PodRef | null | undefined): PodRef {
  if (!pod || !pod.name || !pod.namespace) throw new ApiError('BadRequest', 'pod namespace and name are required');
  return { namespace: pod.namespace, name: pod.name, uid: pod.uid ?? '' };
}

/** Copies a readable into a gRPC writable call, one message per chunk, pausing while the call is full. */
function pump(
  src: Readable,
  call: { write(msg: unknown): boolean; once(ev: 'drain', fn: () => void): unknown },
  wrap: (b: Buffer) => unknown,
): void {
  src.on('data', (b: Buffer) => {
    if (!call.write(wrap(b))) {
      src.pause();
      call.once('drain', () => src.resume());
    }
  });
}

export function logsHandler(backend: KubeletBackend, log: Logger): grpc.handleServerStreamingCall<LogsRequest, Chunk> {
  return (call) => {
    let src: Readable | undefined;
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
      src?.destroy();
    });
    const fail = (err: unknown): void => {
      if (!cancelled) call.emit('error', toApiError(err, log, 'Logs').toGrpc());
    };
    (async () => {
      const req = call.request;
      const pod = checkPod(req.pod);
      if (!req.container) throw new ApiError('BadRequest', `a container name must be specified for pod ${pod.name}`);
      src = await backend.logs(pod, req.container, logOptionsOf(req));
      if (cancelled) return void src.destroy();
      // Headers now: the caller knows the logs exist before the first line (follow on a quiet container).
      call.sendMetadata(new grpc.Metadata());
      pump(src, call, (data) => ({ data }));
      src.on('end', () => call.end());
      src.on('error', fail);
    })().catch(fail);
  };
}

export function execHandler(backend: KubeletBackend, log: Logger): grpc.handleBidiStreamingCall<ExecInput, ExecOutput> {
  return (call) => {
    let proc: ContainerStream | undefined;
    let starting = false;
    let done = false;
    const pending: ExecInput[] = [];
    const fail = (err: unknown): void => {
      if (done) return;
      done = true;
      call.emit('error', toApiError(err, log, 'Exec').toGrpc());
    };
    const apply = (p: ContainerStream, m: ExecInput): void => {
      if (m.input === 'stdin' && m.stdin) p.stdin.write(m.stdin);
      else if (m.input === 'resize' && m.resize) p.resize(m.resize.width, m.resize.height);
      else if (m.input === 'stdinClose') p.stdin.end();
    };
    const start = async (m: ExecInput): Promise<void> => {
      const s = m.start;
      if (m.input !== 'start' || !s) throw new ApiError('BadRequest', 'the first message of an exec must be its start');
      const pod = checkPod(s.pod);
      if (!s.container) throw new ApiError('BadRequest', `a container name must be specified for pod ${pod.name}`);
      if (!s.attach && s.command.length === 0) throw new ApiError('BadRequest', 'you must specify at least 1 command');
      const p = await backend.exec(pod, s.container, { ...execOptionsOf(s), attach: s.attach });
      if (done) return p.close();
      proc = p;
      call.sendMetadata(new grpc.Metadata());
      for (const q of pending.splice(0)) apply(p, q);
      let open = 2;
      const outEnded = new Promise<void>((resolve) => {
        const one = (): void => {
          if (--open === 0) resolve();
        };
        p.stdout.once('end', one);
        p.stderr.once('end', one);
      });
      pump(p.stdout, call, (b) => ({ stdout: b }));
      pump(p.stderr, call, (b) => ({ stderr: b }));
      const result = await p.exit;
      await outEnded;
      if (done) return;
      done = true;
      call.write({ exit: execExit(result) });
      call.end();
    };
    call.on('data', (m: ExecInput) => {
      if (!starting) {
        starting = true;
        start(m).catch(fail);
      } else if (proc) apply(proc, m);
      else pending.push(m);
    });
    call.on('end', () => {
      // The caller half-closed: no more input.
      if (proc) proc.stdin.end();
      else pending.push({ input: 'stdinClose', stdinClose: true });
    });
    call.on('cancelled', () => {
      done = true;
      proc?.close();
    });
    call.on('error', () => {
      done = true;
      proc?.close();
    });
  };
}

export function portForwardHandler(
  backend: KubeletBackend,
  log: Logger,
): grpc.handleBidiStreamingCall<PortForwardData, PortForwardData> {
  return (call) => {
    let sock: Duplex | undefined;
    let starting = false;
    let done = false;
    let inputEnded = false;
    const pending: Buffer[] = [];
    const fail = (err: unknown): void => {
      if (done) return;
      done = true;
      sock?.destroy();
      call.emit('error', toApiError(err, log, 'PortForward').toGrpc());
    };
    const open = async (m: PortForwardData): Promise<void> => {
      const pod = checkPod(m.pod);
      if (!Number.isInteger(m.port) || m.port < 1 || m.port > 65535)
        throw new ApiError('BadRequest', `invalid port ${m.port}: must be between 1 and 65535, inclusive`);
      const s = await backend.portForward(pod, m.port);
      if (done) return void s.destroy();
      sock = s;
      call.sendMetadata(new grpc.Metadata());
      if (m.data?.length) s.write(m.data);
      for (const b of pending.splice(0)) s.write(b);
      if (inputEnded) s.end();
      pump(s, call, (data) => ({ port: 0, data }));
      s.on('end', () => {
        if (!done) {
          done = true;
          call.end();
        }
      });
      s.on('error', fail);
    };
    call.on('data', (m: PortForwardData) => {
      if (!starting) {
        starting = true;
        open(m).catch(fail);
      } else if (sock) {
        if (m.data?.length) sock.write(m.data);
      } else if (m.data?.length) pending.push(m.data);
    });
    call.on('end', () => {
      inputEnded = true;
      sock?.end();
    });
    call.on('cancelled', () => {
      done = true;
      sock?.destroy();
    });
  };
}

export function statsHandler(backend: KubeletBackend, log: Logger): grpc.handleUnaryCall<StatsRequest, StatsResponse> {
  return (call, callback) => {
    const pod = call.request.pod?.name ? checkPod(call.request.pod) : undefined;
    backend.stats(pod).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toApiError(err, log, 'Stats').toGrpc() as grpc.ServiceError, null),
    );
  };
}
