/**
 * The apiserver side for unit tests: TestApi (the real registry in process, as KubeletApi), a
 * PodSource over it, a manual clock and a silent logger.
 */
import pino, { type Logger } from 'pino';
import type { ApiError } from '@kubelab/proto';
import { InProcessApi, type Call, type InProcessOptions } from '@kubelab/apiserver/testing';
import {
  matchesFields,
  parseFieldSelector,
  type Clock,
  type ContainerStatus,
  type KubeObject,
  type Pod,
  type PodStatus,
} from '@kubelab/api';
import type { Handlers } from '@kubelab/client';
import type { KubeletApi, PodSource } from '../api.js';

export class ManualClock implements Clock {
  constructor(public ms = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * The apiserver in process (the real registry over a MemoryStore: CAS, graceful deletion,
 * finalizers, validation of what the kubelet writes), with the kubelet tests' helpers: `put`
 * seeds objects as they would be in etcd, `fail` makes the next call of a method throw.
 */
export class TestApi extends InProcessApi implements KubeletApi {
  /** Errors thrown by the next call of a method (FIFO per method). */
  readonly failures = new Map<string, ApiError[]>();

  constructor(clock: ManualClock = new ManualClock(), opts: Omit<InProcessOptions, 'clock'> = {}) {
    super({ ...opts, clock });
    this.onRequest = (call) => {
      const err = this.failures.get(call.verb)?.shift();
      if (err) throw err;
    };
  }

  fail(method: Call['verb'], err: ApiError): void {
    const q = this.failures.get(method) ?? [];
    q.push(err);
    this.failures.set(method, q);
  }

  /** The stored objects of a resource matching a field selector, now (no call logged). */
  select<T extends KubeObject>(resource: string, fieldSelector = ''): T[] {
    const reqs = parseFieldSelector(fieldSelector);
    return this.objects<T>(resource).filter((o) => matchesFields(reqs, o));
  }
}

/** A TestApi that remembers every pod status written, so short-lived states can be asserted. */
export class RecordingApi extends TestApi {
  readonly written: { name: string; status: PodStatus; at: number }[] = [];

  override async updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    if (resource === 'pods')
      this.written.push({
        name: obj.metadata.name ?? '',
        status: structuredClone((obj as unknown as Pod).status ?? {}),
        at: Date.now(),
      });
    return super.updateStatus(resource, obj);
  }

  /** The statuses written for one container of one pod, oldest first. */
  containerHistory(pod: string, container: string): ContainerStatus[] {
    return this.written
      .filter((w) => w.name === pod)
      .flatMap((w) => w.status.containerStatuses?.filter((c) => c.name === container) ?? []);
  }
}

/** A PodSource over a TestApi: list() reads the store (spec.nodeName=node), like a perfectly fresh informer. */
export class FakePods implements PodSource {
  synced = true;
  readonly handlers: Handlers<Pod>[] = [];

  constructor(
    private readonly api: TestApi,
    private readonly node: string,
  ) {}

  list(): Pod[] {
    return this.api.select<Pod>('pods', `spec.nodeName=${this.node}`);
  }
  hasSynced(): boolean {
    return this.synced;
  }
  waitForSync(): Promise<void> {
    return Promise.resolve();
  }
  addHandlers(h: Handlers<Pod>): void {
    this.handlers.push(h);
  }
  run(signal: AbortSignal): Promise<void> {
    return new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
  }
}

let podSeq = 0;

/** A minimal pod bound to `node`. */
export function makePod(
  name: string,
  node: string,
  spec: Partial<Pod['spec']> = {},
  meta: Partial<Pod['metadata']> = {},
): Pod {
  podSeq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `0000${podSeq}-aaaa-bbbb-cccc-${String(podSeq).padStart(12, '0')}`,
      ...meta,
    },
    spec: {
      nodeName: node,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      containers: [{ name: 'app', image: 'img:1' }],
      ...spec,
    },
  };
}
