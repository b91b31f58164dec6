/**
 * A hollow (kubemark-style) ContainerRuntime: no Docker at all. It is the in-memory FakeRuntime
 * with production manners: every image is "present", containers start at once and run until
 * stopped, sandboxes get addresses from a configurable range shared by all hollow nodes of the
 * process, and nothing is recorded forever (no call log, no create options of removed containers).
 *
 * A container exits on its own only when asked: by a test through exit(), or by the pod annotation
 * `hollow.kubelab.io/exit-code: "<n>"` (each app container of that pod ends with that code right
 * after it starts, like a Job's container that ran to completion).
 */
import { cidrSize, formatIPv4, mustParseCidr, parseIPv4, type Clock, type Container, type Pod } from '@kubelab/api';
import { FakeRuntime } from './fake.js';
import {
  RuntimeError,
  type ContainerConfig,
  type ImageResult,
  type PullPolicy,
  type RuntimeInfo,
  type Sandbox,
} from './runtime.js';

export const HOLLOW_EXIT_CODE_ANNOTATION = 'hollow.kubelab.io/exit-code';
export const DEFAULT_HOLLOW_POD_RANGE = '10.200.0.0/16';

/** Hands out the addresses of an IPv4 CIDR (not its network, first and broadcast address), round robin, no duplicates in use. */
export class IpPool {
  private readonly first: number;
  private readonly size: number;
  private next = 0;
  private readonly used = new Set<number>();

  constructor(cidr: string) {
    const block = mustParseCidr(cidr, 'KUBELAB_HOLLOW_POD_RANGE', {
      minBits: 8,
      maxBits: 30,
      example: DEFAULT_HOLLOW_POD_RANGE,
    });
    // .0 is the network, .1 the gateway Docker would take, the last one the broadcast address.
    this.first = block.base + 2;
    this.size = cidrSize(block) - 3;
  }

  allocate(): string {
    if (this.used.size >= this.size) throw new RuntimeError('hollow runtime: the pod address range is exhausted', 500);
    for (;;) {
      const n = this.first + this.next;
      this.next = (this.next + 1) % this.size;
      if (!this.used.has(n)) {
        this.used.add(n);
        return formatIPv4(n);
      }
    }
  }

  release(ip: string): void {
    this.used.delete(parseIPv4(ip) ?? -1);
  }

  get inUse(): number {
    return this.used.size;
  }
}

export interface HollowRuntimeOptions {
  cluster: string;
  node: string;
  network: string;
  clock: Clock;
  pauseImage: string;
  /** Shared by the hollow nodes of one process so that pod IPs are unique. */
  ips: IpPool;
}

/** Never grows: for the FakeRuntime's call and exec logs, which a long-running kubelet must not keep. */
function discarding<T>(arr: T[]): void {
  Object.defineProperty(arr, 'push', { value: () => 0 });
}

export class HollowRuntime extends FakeRuntime {
  /** Sandbox id → its address, to give back on removal. */
  private readonly sandboxIps = new Map<string, string>();
  /** App container id → the exit code it ends with once started. */
  private readonly exitAfterStart = new Map<string, number>();

  constructor(private readonly h: HollowRuntimeOptions) {
    super({ cluster: h.cluster, node: h.node, network: h.network, clock: h.clock, pauseImage: h.pauseImage });
    this.stopExitCode = 0;
    discarding(this.calls);
    discarding(this.execs);
  }

  override ensureImage(image: string, policy: PullPolicy): Promise<ImageResult> {
    this.images.add(image);
    this.registry.add(image);
    return super.ensureImage(image, policy);
  }

  override async createPause(pod: Pod, attempt = 0): Promise<Sandbox> {
    const sb = await super.createPause(pod, attempt);
    const ip = this.h.ips.allocate();
    const c = this.containers.get(sb.id);
    if (c) c.networks[this.h.network] = ip;
    this.sandboxIps.set(sb.id, ip);
    return { id: sb.id, ip };
  }

  override async createContainer(
    pod: Pod,
    container: Container,
    sandboxId: string,
    restartCount: number,
    config?: ContainerConfig,
  ): Promise<string> {
    this.images.add(container.image);
    const id = await super.createContainer(pod, container, sandboxId, restartCount, config);
    this.createOptions.delete(id);
    const raw = pod.metadata.annotations?.[HOLLOW_EXIT_CODE_ANNOTATION];
    const code = raw === undefined ? NaN : Number(raw);
    if (Number.isInteger(code) && code >= 0 && code <= 255) this.exitAfterStart.set(id, code);
    return id;
  }

  override async start(id: string): Promise<void> {
    await super.start(id);
    const code = this.exitAfterStart.get(id);
    if (code !== undefined) {
      this.exitAfterStart.delete(id);
      if (this.containers.get(id)?.state === 'running') this.exit(id, code);
    }
  }

  override async remove(id: string): Promise<void> {
    await super.remove(id);
    this.exitAfterStart.delete(id);
    const ip = this.sandboxIps.get(id);
    if (ip !== undefined) {
      this.sandboxIps.delete(id);
      this.h.ips.release(ip);
    }
  }

  override info(): Promise<RuntimeInfo> {
    return Promise.resolve({
      name: 'hollow',
      version: '0.1.0',
      operatingSystem: 'kubelab hollow node',
      kernelVersion: 'none',
    });
  }
}
