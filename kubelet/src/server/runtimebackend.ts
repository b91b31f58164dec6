/**
 * KubeletBackend over the ContainerRuntime: finds a pod's containers by their labels, picks the
 * instance a request is about (the current one, or with `previous` the one before), checks its
 * state, and leaves the streams themselves (logs, exec/attach, port-forward, stats) to the runtime.
 */
import type { Duplex, Readable } from 'node:stream';
import type { Logger } from 'pino';
import {
  ApiError,
  type CpuStats,
  type LogOptions,
  type MemoryStats,
  type PodRef,
  type PodStats,
  type StatsResponse,
} from '@kubelab/proto';
import {
  LABELS,
  SANDBOX_NAME,
  newestFirst,
  type ContainerRuntime,
  type ContainerStream,
  type RuntimeContainer,
} from '../runtime/runtime.js';
import type { ExecStreamOptions, KubeletBackend } from './backend.js';
import { ByteLimit, containerLogOptions } from './logopts.js';
import { StatsCollector } from './collector.js';
import { sumCpu, sumMemory } from './stats.js';
import type { OwnUsage } from './ownusage.js';

export interface RuntimeBackendOptions {
  runtime: Pick<
    ContainerRuntime,
    'listPodContainers' | 'execStream' | 'attach' | 'logs' | 'portForward' | 'containerStats'
  >;
  cluster: string;
  node: string;
  network: string;
  log: Logger;
  /** For tests; Date.now by default. */
  now?: () => number;
  /** The node's own usage (the kubelet process, ownusage.ts), added to the node totals. */
  own?: Pick<OwnUsage, 'sample'>;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class RuntimeBackend implements KubeletBackend {
  private readonly now: () => number;
  private readonly collector: StatsCollector;

  constructor(private readonly o: RuntimeBackendOptions) {
    this.now = o.now ?? Date.now;
    this.collector = new StatsCollector({
      now: this.now,
      read: (id) => o.runtime.containerStats(id),
      onError: (id, err) => o.log.debug({ id: id.slice(0, 12), err: message(err) }, 'no stats for container'),
    });
  }

  private async podContainers(pod: PodRef): Promise<RuntimeContainer[]> {
    const labels: Record<string, string> = {
      [LABELS.cluster]: this.o.cluster,
      [LABELS.node]: this.o.node,
      [LABELS.podNamespace]: pod.namespace,
      [LABELS.podName]: pod.name,
    };
    if (pod.uid) labels[LABELS.podUid] = pod.uid;
    const all = await this.o.runtime.listPodContainers(labels);
    if (all.length === 0)
      throw new ApiError('NotFound', `pod "${pod.name}" not found on node "${this.o.node}"`, {
        name: pod.name,
        kind: 'pods',
      });
    // Several pods of the same name (a recreated StatefulSet-like pod): the newest uid wins.
    return all.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  }

  /** The current instance (newest by restart count) or, with previous, the one before it. */
  async pick(pod: PodRef, container: string, previous = false): Promise<RuntimeContainer> {
    const all = await this.podContainers(pod);
    const uid = all[0]!.podUid;
    const instances = all
      .filter((c) => c.podUid === uid && c.containerName === container && container !== SANDBOX_NAME)
      .sort(newestFirst);
    if (previous) {
      const prev = instances[1];
      if (!prev)
        throw new ApiError('BadRequest', `previous terminated container "${container}" in pod "${pod.name}" not found`);
      return prev;
    }
    const cur = instances[0];
    if (!cur) throw new ApiError('NotFound', `container "${container}" in pod "${pod.name}" is not available`);
    return cur;
  }

  async logs(pod: PodRef, container: string, opts: LogOptions): Promise<Readable> {
    const c = await this.pick(pod, container, opts.previous);
    const out = await this.o.runtime.logs(c.id, containerLogOptions(opts, this.now(), c.state === 'running'));
    if (opts.limitBytes === undefined) return out;
    const limited = new ByteLimit(opts.limitBytes, () => out.destroy());
    out.on('error', () => limited.end());
    // The caller going away (destroying what it got) must stop the runtime's stream too.
    limited.on('close', () => out.destroy());
    return out.pipe(limited);
  }

  async exec(pod: PodRef, container: string, opts: ExecStreamOptions): Promise<ContainerStream> {
    const c = await this.pick(pod, container);
    if (c.state !== 'running')
      throw new ApiError('BadRequest', `container "${container}" in pod "${pod.name}" is not running`);
    try {
      if (opts.attach)
        return await this.o.runtime.attach(c.id, { stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr });
      return await this.o.runtime.execStream(c.id, {
        command: opts.command,
        stdin: opts.stdin,
        stdout: opts.stdout,
        stderr: opts.stderr,
        tty: opts.tty,
      });
    } catch (err) {
      throw new ApiError('InternalError', `error executing command in container: ${message(err)}`);
    }
  }

  async portForward(pod: PodRef, port: number): Promise<Duplex> {
    const all = await this.podContainers(pod);
    const sandbox = all.filter(
      (c) => c.containerName === SANDBOX_NAME && c.state === 'running' && c.podUid === all[0]!.podUid,
    )[0];
    if (!sandbox?.networks[this.o.network])
      throw new ApiError('BadRequest', `pod "${pod.name}" has no running sandbox on network "${this.o.network}"`);
    try {
      return await this.o.runtime.portForward(sandbox.id, port);
    } catch (err) {
      throw new ApiError(
        'InternalError',
        `error forwarding port ${port} to pod ${pod.name}, uid ${sandbox.podUid}: ${message(err)}`,
      );
    }
  }

  async stats(pod?: PodRef): Promise<StatsResponse> {
    const labels: Record<string, string> = { [LABELS.cluster]: this.o.cluster, [LABELS.node]: this.o.node };
    if (pod?.name) {
      labels[LABELS.podNamespace] = pod.namespace;
      labels[LABELS.podName] = pod.name;
    }
    if (pod?.uid) labels[LABELS.podUid] = pod.uid;
    const running = (await this.o.runtime.listPodContainers(labels)).filter(
      (c) => c.state === 'running' && c.containerName !== SANDBOX_NAME,
    );
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
      p.containers.push({
        name: s.c.containerName,
        startTime: s.c.startedAt ?? s.c.createdAt,
        cpu: s.cpu,
        memory: s.memory,
      });
    }
    const ok: { cpu: CpuStats; memory: MemoryStats }[] = sampled.filter(
      (s): s is NonNullable<typeof s> => s !== undefined,
    );
    if (this.o.own) ok.push(this.o.own.sample());
    return {
      nodeName: this.o.node,
      timestamp: new Date(this.now()).toISOString(),
      nodeCpu: sumCpu(ok.map((s) => s.cpu)),
      nodeMemory: sumMemory(ok.map((s) => s.memory)),
      pods: [...byPod.values()],
    };
  }
}
