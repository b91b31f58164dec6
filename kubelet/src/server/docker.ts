/**
 * KubeletBackend on Docker: finds a pod's containers by their labels (through the
 * ContainerRuntime), then uses the engine directly for logs, exec/attach (hijacked streams),
 * stats, and dials the sandbox's IP on the cluster network for port-forward.
 */
import * as net from 'node:net';
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { ApiError, type PodRef, type PodStats, type StatsResponse } from '@kubelab/proto';
import { LABELS, SANDBOX_NAME, newestFirst, type ContainerRuntime, type RuntimeContainer } from '../runtime/runtime.js';
import type { ExecOptions, ExecProcess, ExecResult, KubeletBackend, LogOptions } from './backend.js';
import { Demuxer } from './demux.js';
import { ByteLimit, dockerLogOptions } from './logopts.js';
import { StatsCollector } from './collector.js';
import { OwnUsage } from './ownusage.js';
import { sumCpu, sumMemory, type DockerStats } from './stats.js';

export interface DockerBackendOptions {
  docker: Dockerode;
  runtime: Pick<ContainerRuntime, 'listPodContainers'>;
  cluster: string;
  node: string;
  network: string;
  log: Logger;
  /** For tests; Date.now by default. */
  now?: () => number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return e?.json?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Forwards a Docker output stream (multiplexed unless tty) into stdout/stderr with back-pressure. */
function splitOutput(src: Readable, tty: boolean, stdout: PassThrough, stderr: PassThrough): void {
  const demux = new Demuxer((kind, data) => {
    const dst = kind === 'stderr' ? stderr : stdout;
    if (!dst.write(data)) {
      src.pause();
      dst.once('drain', () => src.resume());
    }
  });
  src.on('data', (b: Buffer) => {
    if (tty) {
      if (!stdout.write(b)) {
        src.pause();
        stdout.once('drain', () => src.resume());
      }
    } else demux.push(b);
  });
  const done = (): void => {
    stdout.end();
    stderr.end();
  };
  src.on('end', done);
  src.on('close', done);
  src.on('error', done);
}

export class DockerBackend implements KubeletBackend {
  private readonly now: () => number;
  private readonly collector: StatsCollector;
  private readonly own = new OwnUsage();

  constructor(private readonly o: DockerBackendOptions) {
    this.now = o.now ?? Date.now;
    this.collector = new StatsCollector({
      now: this.now,
      read: async (id, signal) => (await o.docker.getContainer(id).stats({ stream: false, 'one-shot': true, abortSignal: signal } as { stream: false; 'one-shot': boolean })) as unknown as DockerStats,
      onError: (id, err) => o.log.debug({ id: id.slice(0, 12), err: dockerMessage(err) }, 'no stats for container'),
    });
  }

  private async podContainers(pod: PodRef): Promise<RuntimeContainer[]> {
    const labels: Record<string, string> = { [LABELS.cluster]: this.o.cluster, [LABELS.node]: this.o.node, [LABELS.podNamespace]: pod.namespace, [LABELS.podName]: pod.name };
    if (pod.uid) labels[LABELS.podUid] = pod.uid;
    const all = await this.o.runtime.listPodContainers(labels);
    if (all.length === 0) throw new ApiError('NotFound', `pod "${pod.name}" not found on node "${this.o.node}"`, { name: pod.name, kind: 'pods' });
    // Several pods of the same name (a recreated StatefulSet-like pod): the newest uid wins.
    return all.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  }

  /** The current instance (newest by restart count) or, with previous, the one before it. */
  async pick(pod: PodRef, container: string, previous = false): Promise<RuntimeContainer> {
    const all = await this.podContainers(pod);
    const uid = all[0]!.podUid;
    const instances = all.filter((c) => c.podUid === uid && c.containerName === container && container !== SANDBOX_NAME).sort(newestFirst);
    if (previous) {
      const prev = instances[1];
      if (!prev) throw new ApiError('BadRequest', `previous terminated container "${container}" in pod "${pod.name}" not found`);
      return prev;
    }
    const cur = instances[0];
    if (!cur) throw new ApiError('NotFound', `container "${container}" in pod "${pod.name}" is not available`);
    return cur;
  }

  private async tty(id: string): Promise<boolean> {
    const info = await this.o.docker.getContainer(id).inspect();
    return info.Config?.Tty === true;
  }

  async logs(pod: PodRef, container: string, opts: LogOptions): Promise<Readable> {
    const c = await this.pick(pod, container, opts.previous);
    const q = dockerLogOptions(opts, this.now(), c.state === 'running');
    const tty = await this.tty(c.id);
    const dc = this.o.docker.getContainer(c.id);
    const out = new PassThrough();
    const sink = new PassThrough();
    // stdout and stderr merge into one log stream.
    if (q.follow) {
      const src = (await dc.logs({ ...q, follow: true })) as unknown as Readable;
      splitOutput(src, tty, out, sink);
      out.on('close', () => src.destroy());
    } else {
      const buf = (await dc.logs({ ...q, follow: false })) as unknown as Buffer;
      if (tty) out.write(buf);
      else new Demuxer((_k, data) => out.write(data)).push(buf);
      out.end();
    }
    sink.pipe(out, { end: false });
    if (opts.limitBytes === undefined) return out;
    const limited = new ByteLimit(opts.limitBytes, () => out.destroy());
    out.on('error', () => limited.end());
    // The caller going away (destroying what it got) must stop the Docker stream too.
    limited.on('close', () => out.destroy());
    return out.pipe(limited);
  }

  async exec(pod: PodRef, container: string, opts: ExecOptions): Promise<ExecProcess> {
    const c = await this.pick(pod, container);
    if (c.state !== 'running') throw new ApiError('BadRequest', `container "${container}" in pod "${pod.name}" is not running`);
    const dc = this.o.docker.getContainer(c.id);
    let sock: Duplex;
    let tty = opts.tty;
    let resize: (w: number, h: number) => Promise<unknown>;
    let exitOf: () => Promise<ExecResult>;
    try {
      if (opts.attach) {
        tty = await this.tty(c.id);
        sock = (await dc.attach({ stream: true, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, hijack: true })) as unknown as Duplex;
        resize = (w, h) => dc.resize({ w, h });
        exitOf = async () => {
          const st = (await dc.inspect()).State;
          return { code: st.Running ? 0 : st.ExitCode };
        };
      } else {
        const ex = await dc.exec({ Cmd: opts.command, AttachStdin: opts.stdin, AttachStdout: opts.stdout, AttachStderr: opts.stderr, Tty: opts.tty });
        sock = (await ex.start({ hijack: true, stdin: opts.stdin, Tty: opts.tty })) as unknown as Duplex;
        resize = (w, h) => ex.resize({ w, h });
        exitOf = async () => {
          for (let i = 0; i < 50; i++) {
            const info = await ex.inspect();
            if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return { code: info.ExitCode };
            await sleep(100);
          }
          return { error: 'the command did not report an exit code' };
        };
      }
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError('InternalError', `error executing command in container: ${dockerMessage(err)}`);
    }
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    splitOutput(sock, tty, stdout, stderr);
    const streamClosed = new Promise<void>((resolve) => {
      sock.once('close', resolve);
      sock.once('end', resolve);
      sock.once('error', () => resolve());
    });
    const exit = streamClosed.then(() =>
      exitOf().catch((err: unknown) => ({ error: dockerMessage(err) }) as ExecResult),
    );
    const stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (!opts.stdin || sock.destroyed) return cb();
        sock.write(chunk, () => cb());
      },
      final: (cb) => {
        if (opts.stdin && !sock.destroyed) sock.end();
        cb();
      },
    });
    return {
      stdin,
      stdout,
      stderr,
      exit,
      resize: (w, h) => {
        if (w > 0 && h > 0) resize(w, h).catch((err: unknown) => this.o.log.debug({ err: dockerMessage(err) }, 'resize failed'));
      },
      close: () => sock.destroy(),
    };
  }

  async portForward(pod: PodRef, port: number): Promise<Duplex> {
    const all = await this.podContainers(pod);
    const sandbox = all.filter((c) => c.containerName === SANDBOX_NAME && c.state === 'running' && c.podUid === all[0]!.podUid)[0];
    const ip = sandbox?.networks[this.o.network];
    if (!ip) throw new ApiError('BadRequest', `pod "${pod.name}" has no running sandbox on network "${this.o.network}"`);
    return await new Promise<Duplex>((resolve, reject) => {
      const s = net.connect({ host: ip, port });
      const fail = (err: Error): void => reject(new ApiError('InternalError', `error forwarding port ${port} to pod ${pod.name}, uid ${sandbox?.podUid ?? ''}: ${err.message}`));
      s.once('error', fail);
      s.once('connect', () => {
        s.off('error', fail);
        resolve(s);
      });
    });
  }

  async stats(pod?: PodRef): Promise<StatsResponse> {
    const labels: Record<string, string> = { [LABELS.cluster]: this.o.cluster, [LABELS.node]: this.o.node };
    if (pod?.name) {
      labels[LABELS.podNamespace] = pod.namespace;
      labels[LABELS.podName] = pod.name;
    }
    if (pod?.uid) labels[LABELS.podUid] = pod.uid;
    const running = (await this.o.runtime.listPodContainers(labels)).filter((c) => c.state === 'running' && c.containerName !== SANDBOX_NAME);
    const usage = await this.collector.usage(running);
    const sampled = running.map((c) => {
      const u = usage.get(c.id);
      return u ? { c, cpu: u.cpu, memory: u.memory } : undefined;
    });
    const byPod = new Map<string, PodStats>();
    for (const s of sampled) {
      if (!s) continue;
      let p = byPod.get(s.c.podUid);
      if (!p) {
        p = { pod: { namespace: s.c.podNamespace, name: s.c.podName, uid: s.c.podUid }, containers: [] };
        byPod.set(s.c.podUid, p);
      }
      p.containers.push({ name: s.c.containerName, startTime: s.c.startedAt ?? s.c.createdAt, cpu: s.cpu, memory: s.memory });
    }
    const ok = sampled.filter((s): s is NonNullable<typeof s> => s !== undefined);
    const own = this.own.sample();
    return {
      nodeName: this.o.node,
      timestamp: new Date(this.now()).toISOString(),
      nodeCpu: sumCpu([own.cpu, ...ok.map((s) => s.cpu)]),
      nodeMemory: sumMemory([own.memory, ...ok.map((s) => s.memory)]),
      pods: [...byPod.values()],
    };
  }
}
