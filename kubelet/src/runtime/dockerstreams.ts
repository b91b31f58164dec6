/**
 * The streaming side of the Docker runtime: exec (run to its end for probes and hooks, or with its
 * streams attached for kubectl exec), attach, logs, port-forward and stats. Every engine call goes
 * through the runtime's lanes and deadlines (`call`); a stream, once open, lasts as long as its
 * caller keeps it.
 */
import * as net from 'node:net';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import type { ExecOptions, ExecResult } from '@kubelab/proto';
import { errMessage } from '../api.js';
import { Demuxer } from './demux.js';
import type { DockerCall } from './dockerimages.js';
import { toDockerLogOptions, toStatsSample, type DockerStats } from './dockerconvert.js';
import { exitCodeOf, hijackedSession, splitOutput } from './dockersession.js';
import type { Semaphore } from './limiter.js';
import {
  RuntimeError,
  type AttachOptions,
  type CommandResult,
  type ContainerLogOptions,
  type ContainerStatsSample,
  type ContainerStream,
  type RuntimeContainer,
} from './runtime.js';

export interface DockerStreamsOptions {
  docker: Dockerode;
  call: DockerCall;
  /** Commands of probes and hooks: their own lane, so long-running ones never hold up quick calls. */
  execLane: Semaphore;
  /** Stats calls wait for one of the engine's collection ticks (up to 1 s): their own lane too. */
  statsLane: Semaphore;
  network: string;
  /** The container as last seen by the runtime, else inspected; undefined when it does not exist. */
  container(id: string): Promise<RuntimeContainer | undefined>;
  /** Deadline of a port-forward's connect. */
  connectTimeoutMs: number;
  log: Logger;
}

/** Deadline of one stats call. */
const STATS_TIMEOUT_MS = 10_000;
function short(id: string): string {
  return id.length > 12 ? id.slice(0, 12) : id;
}

/** How many attached stdinOnce containers are remembered (their first attach replays their output). */
const ATTACHED_MEMORY = 1000;

export class DockerStreams {
  private readonly attached = new Set<string>();

  constructor(private readonly o: DockerStreamsOptions) {}

  private rememberAttached(id: string): void {
    this.attached.add(id);
    if (this.attached.size > ATTACHED_MEMORY) this.attached.delete(this.attached.values().next().value as string);
  }

  /** Runs cmd to its end, output collected, all of it within timeoutMs on the exec lane. */
  run(id: string, cmd: string[], timeoutMs: number): Promise<CommandResult> {
    return this.o.call(
      `exec ${short(id)}`,
      async (abortSignal) => {
        const e = await this.o.docker
          .getContainer(id)
          .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, abortSignal } as Dockerode.ExecCreateOptions);
        const stream = (await e.start({
          hijack: true,
          stdin: false,
          abortSignal,
        } as Dockerode.ExecStartOptions)) as Duplex;
        abortSignal.addEventListener('abort', () => stream.destroy(), { once: true });
        const chunks: Buffer[] = [];
        const demux = new Demuxer((_kind, data) => chunks.push(data));
        stream.on('data', (b: Buffer) => demux.push(b));
        await new Promise<void>((resolve, reject) => {
          stream.on('end', resolve);
          stream.on('close', resolve);
          stream.on('error', reject);
        });
        const code = await exitCodeOf(
          () => e.inspect({ abortSignal } as Dockerode.ExecInspectOptions) as Promise<Dockerode.ExecInspectInfo>,
        );
        return { exitCode: code ?? -1, output: Buffer.concat(chunks).toString('utf8') };
      },
      { timeoutMs, lane: this.o.execLane },
    );
  }

  async exec(id: string, opts: ExecOptions): Promise<ContainerStream> {
    const dc = this.o.docker.getContainer(id);
    const ex = await this.o.call(`exec ${short(id)}`, (abortSignal) =>
      dc.exec({
        Cmd: opts.command,
        AttachStdin: opts.stdin,
        AttachStdout: opts.stdout,
        AttachStderr: opts.stderr,
        Tty: opts.tty,
        abortSignal,
      } as Dockerode.ExecCreateOptions),
    );
    const sock = await this.o.call(
      `exec start ${short(id)}`,
      async (abortSignal) =>
        (await ex.start({
          hijack: true,
          stdin: opts.stdin,
          Tty: opts.tty,
          abortSignal,
        } as Dockerode.ExecStartOptions)) as Duplex,
    );
    return hijackedSession({
      sock,
      tty: opts.tty,
      stdin: opts.stdin,
      resize: (w, h) =>
        this.o.call(`resize exec ${short(id)}`, (abortSignal) =>
          ex.resize({ w, h, abortSignal } as { w: number; h: number }),
        ),
      exitOf: async (): Promise<ExecResult> => {
        const code = await exitCodeOf(() =>
          this.o.call(
            `inspect exec ${short(id)}`,
            (abortSignal) =>
              ex.inspect({ abortSignal } as Dockerode.ExecInspectOptions) as Promise<Dockerode.ExecInspectInfo>,
          ),
        );
        return code === undefined ? { error: 'the command did not report an exit code' } : { code };
      },
      onResizeError: (err) => this.o.log.debug({ err: errMessage(err) }, 'resize failed'),
    });
  }

  async attach(id: string, opts: AttachOptions): Promise<ContainerStream> {
    const c = await this.o.container(id);
    if (!c) throw new RuntimeError(`docker attach ${short(id)}: No such container: ${id}`, 404);
    const dc = this.o.docker.getContainer(id);
    const inspect = (): Promise<Dockerode.ContainerInspectInfo> =>
      this.o.call(`inspect ${short(id)}`, (abortSignal) => dc.inspect({ abortSignal }));
    const notRunning = (i: Dockerode.ContainerInspectInfo): RuntimeError =>
      new RuntimeError(
        `cannot attach to container ${short(id)}: it is not running (exited with code ${i.State.ExitCode})`,
        409,
      );
    const now = await inspect();
    if (!now.State.Running) throw notRunning(now);
    // `kubectl run -i` makes a stdinOnce container and attaches once it is Running, by which time a
    // quick command has often printed everything: that first attach also gets what came before.
    const replay = now.Config.StdinOnce === true && !this.attached.has(id);
    if (replay) this.rememberAttached(id);
    const sock = await this.o.call(
      `attach ${short(id)}`,
      async (abortSignal) =>
        (await dc.attach({
          stream: true,
          logs: replay,
          stdin: opts.stdin,
          stdout: opts.stdout,
          stderr: opts.stderr,
          hijack: true,
          abortSignal,
        } as Dockerode.ContainerAttachOptions)) as unknown as Duplex,
    );
    // Docker registers the attach before it answers; one registered on a container that had already
    // exited (the runtime's view can lag by a moment) is never ended, so it must not be handed out:
    // the caller is told instead, and kubectl then falls back to the container's logs.
    const after = await inspect().catch((err: unknown) => {
      sock.destroy();
      throw err;
    });
    if (!after.State.Running) {
      sock.destroy();
      throw notRunning(after);
    }
    return hijackedSession({
      sock,
      tty: c.tty === true,
      stdin: opts.stdin,
      resize: (w, h) =>
        this.o.call(`resize ${short(id)}`, (abortSignal) =>
          dc.resize({ w, h, abortSignal } as { w: number; h: number }),
        ),
      exitOf: async (): Promise<ExecResult> => {
        const now = await this.o.call(`inspect ${short(id)}`, (abortSignal) => dc.inspect({ abortSignal }));
        return { code: now.State.Running ? 0 : now.State.ExitCode };
      },
      onResizeError: (err) => this.o.log.debug({ err: errMessage(err) }, 'resize failed'),
    });
  }

  async logs(id: string, opts: ContainerLogOptions): Promise<Readable> {
    const c = await this.o.container(id);
    if (!c) throw new RuntimeError(`docker logs ${short(id)}: No such container: ${id}`, 404);
    const tty = c.tty === true;
    const dc = this.o.docker.getContainer(id);
    const q = toDockerLogOptions(opts);
    const out = new PassThrough();
    if (q.follow) {
      const src = await this.o.call(
        `logs ${short(id)}`,
        async (abortSignal) =>
          (await dc.logs({ ...q, follow: true, abortSignal } as Dockerode.ContainerLogsOptions & {
            follow: true;
          })) as unknown as Readable,
      );
      // stdout and stderr merge into one log stream.
      splitOutput(src, tty, out, out);
      out.on('close', () => src.destroy());
      return out;
    }
    const buf = await this.o.call(
      `logs ${short(id)}`,
      async (abortSignal) =>
        (await dc.logs({ ...q, follow: false, abortSignal } as Dockerode.ContainerLogsOptions & {
          follow?: false;
        })) as unknown as Buffer,
    );
    if (tty) out.write(buf);
    else new Demuxer((_k, data) => out.write(data)).push(buf);
    out.end();
    return out;
  }

  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    const sb = await this.o.container(sandboxId);
    const ip = sb?.state === 'running' ? sb.networks[this.o.network] : undefined;
    if (!ip) throw new RuntimeError(`sandbox ${short(sandboxId)} is not running on network ${this.o.network}`, 404);
    return await new Promise<Duplex>((resolve, reject) => {
      const s = net.connect({ host: ip, port });
      const timer = setTimeout(
        () => s.destroy(new Error(`connect to ${ip}:${port}: timed out after ${this.o.connectTimeoutMs / 1000}s`)),
        this.o.connectTimeoutMs,
      );
      const fail = (err: Error): void => {
        clearTimeout(timer);
        reject(new RuntimeError(err.message));
      };
      s.once('error', fail);
      s.once('connect', () => {
        clearTimeout(timer);
        s.off('error', fail);
        resolve(s);
      });
    });
  }

  async stats(id: string): Promise<ContainerStatsSample> {
    const raw = await this.o.call(
      `stats ${short(id)}`,
      async (abortSignal) =>
        (await this.o.docker.getContainer(id).stats({ stream: false, 'one-shot': true, abortSignal } as {
          stream: false;
          'one-shot': boolean;
        })) as unknown as DockerStats,
      { lane: this.o.statsLane, timeoutMs: STATS_TIMEOUT_MS },
    );
    return toStatsSample(raw, Date.now());
  }
}
