/**
 * Node registration and heartbeats: create (or refresh) the Node, renew its Lease in
 * kube-node-lease every few seconds, and write node status when it changes or has not been
 * written for a while. Survives apiserver restarts; a deleted Node is registered again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, statfsSync } from 'node:fs';
import * as os from 'node:os';
import type { Logger } from 'pino';
import type { Clock, Lease, Node } from '@kubelab/api';
import { Backoff, sleep } from '@kubelab/client';
import { errMessage, isReason, type KubeletApi } from './api.js';
import {
  NODE_LEASE_NAMESPACE,
  buildLease,
  buildNode,
  buildNodeStatus,
  goArch,
  microTime,
  reconcileRegistration,
  statusFingerprint,
  type HostFacts,
  type NodeHealth,
  type Overrides,
  type Registration,
} from './nodeinfo.js';
import type { ContainerRuntime } from './runtime/runtime.js';

export interface NodeAgentOptions {
  api: KubeletApi;
  runtime: Pick<ContainerRuntime, 'info'>;
  clock: Clock;
  log: Logger;
  nodeName: string;
  hostIP: string;
  facts: HostFacts;
  overrides: Overrides;
  /** Labels and taints the Node is registered with (added where missing on an existing one). */
  registration?: Registration;
  leaseMs: number;
  leaseDurationSeconds: number;
  /** How often the Node is looked at. */
  statusMs: number;
  /** An unchanged status is still written this often (heartbeat). */
  reportMs: number;
  /** Reported as status.daemonEndpoints.kubeletEndpoint.Port (default 10250). */
  kubeletPort?: number;
  /** Kept on the Node (the kubelet's serving certificate, server/tls.ts). */
  annotations?: Record<string, string>;
}

export class NodeAgent {
  private nodeUid: string | undefined;
  /** The Lease as this node's last renewal wrote it (the next one updates it without a read). */
  private lastLease: Lease | undefined;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private readonly log: Logger;

  constructor(private readonly o: NodeAgentOptions) {
    this.log = o.log.child({ part: 'node' });
  }

  get uid(): string | undefined {
    return this.nodeUid;
  }

  private async health(): Promise<NodeHealth> {
    try {
      return { runtime: await this.o.runtime.info() };
    } catch (err) {
      return { notReady: `container runtime is down: ${errMessage(err)}` };
    }
  }

  /** Creates the Node, or adds our labels to the existing one, then writes its status. */
  async register(): Promise<Node> {
    const name = this.o.nodeName;
    const health = await this.health();
    let node: Node;
    try {
      node = await this.o.api.get<Node>('nodes', '', name);
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
      const status = buildNodeStatus({
        facts: this.o.facts,
        overrides: this.o.overrides,
        health,
        hostname: name,
        ip: this.o.hostIP,
        now: this.o.clock.now(),
        kubeletPort: this.o.kubeletPort,
      });
      try {
        node = await this.o.api.create<Node>(
          'nodes',
          buildNode(name, this.o.facts.arch, status, this.o.registration),
          '',
        );
        this.log.info({ uid: node.metadata.uid }, 'node registered');
      } catch (e) {
        if (!isReason(e, 'AlreadyExists')) throw e;
        node = await this.o.api.get<Node>('nodes', '', name);
      }
    }
    let updated = reconcileRegistration(node, name, this.o.facts.arch, this.o.registration ?? {});
    const wantAnnotations = this.o.annotations ?? {};
    const base = updated ?? node;
    if (Object.entries(wantAnnotations).some(([k, v]) => base.metadata.annotations?.[k] !== v)) {
      updated = {
        ...base,
        metadata: { ...base.metadata, annotations: { ...(base.metadata.annotations ?? {}), ...wantAnnotations } },
      };
    }
    if (updated) node = await this.o.api.update<Node>('nodes', updated);
    this.nodeUid = node.metadata.uid;
    await this.writeStatus(node, health, true);
    return node;
  }

  /** Writes the status when it changed or the last write is older than reportMs. */
  private async writeStatus(node: Node, health: NodeHealth, force: boolean): Promise<boolean> {
    let current = node;
    for (let attempt = 1; ; attempt++) {
      const now = this.o.clock.now();
      const status = buildNodeStatus({
        facts: this.o.facts,
        overrides: this.o.overrides,
        health,
        hostname: this.o.nodeName,
        ip: this.o.hostIP,
        old: current.status,
        now,
        kubeletPort: this.o.kubeletPort,
      });
      const merged = { ...(current.status ?? {}), ...status };
      if (
        !force &&
        statusFingerprint(merged) === statusFingerprint(current.status) &&
        now - this.lastWrite < this.o.reportMs
      )
        return false;
      try {
        await this.o.api.updateStatus<Node>('nodes', { ...current, status: merged });
        this.lastWrite = now;
        return true;
      } catch (err) {
        if (!isReason(err, 'Conflict') || attempt >= 3) throw err;
        current = await this.o.api.get<Node>('nodes', '', this.o.nodeName);
      }
    }
  }

  /**
   * One status check: re-registers a deleted Node, else writes status if needed. As upstream's
   * kubelet, the Node is read with resourceVersion "0" (the apiserver's watch cache, no etcd read):
   * a stale copy only makes the write conflict, and the retry reads the latest.
   */
  async syncStatus(): Promise<void> {
    let node: Node;
    try {
      node = await this.o.api.get<Node>('nodes', '', this.o.nodeName, { resourceVersion: '0' });
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
      this.log.warn('the Node object is gone; registering again');
      await this.register();
      await this.renewLease();
      return;
    }
    this.nodeUid = node.metadata.uid;
    await this.writeStatus(node, await this.health(), false);
  }

  /**
   * Renews the node's Lease. As upstream's lease controller: an update of the Lease as the last
   * renewal left it (one call); read first only when there is none yet, or when that update
   * conflicted or found it gone.
   */
  async renewLease(): Promise<void> {
    const now = this.o.clock.now();
    const last = this.lastLease;
    this.lastLease = undefined;
    if (last) {
      try {
        this.lastLease = await this.o.api.update<Lease>('leases', this.renewed(last, now));
        return;
      } catch (err) {
        if (!isReason(err, 'Conflict') && !isReason(err, 'NotFound')) throw err;
      }
    }
    let lease: Lease;
    try {
      lease = await this.o.api.get<Lease>('leases', NODE_LEASE_NAMESPACE, this.o.nodeName);
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
      await this.createLease(now);
      return;
    }
    this.lastLease = await this.o.api.update<Lease>('leases', this.renewed(lease, now));
  }

  /** `lease` held and renewed by this node at `now`, owned by its Node. */
  private renewed(lease: Lease, now: number): Lease {
    const name = this.o.nodeName;
    lease = { ...lease, metadata: { ...lease.metadata } };
    lease.spec = {
      ...lease.spec,
      holderIdentity: name,
      leaseDurationSeconds: this.o.leaseDurationSeconds,
      renewTime: microTime(now),
    };
    const owner = lease.metadata.ownerReferences?.[0];
    if (this.nodeUid && owner?.uid !== this.nodeUid) {
      lease.metadata.ownerReferences = buildLease(
        name,
        this.nodeUid,
        this.o.leaseDurationSeconds,
        now,
      ).metadata.ownerReferences;
    }
    return lease;
  }

  private async createLease(now: number): Promise<void> {
    const lease = buildLease(this.o.nodeName, this.nodeUid, this.o.leaseDurationSeconds, now);
    try {
      this.lastLease = await this.o.api.create<Lease>('leases', lease, NODE_LEASE_NAMESPACE);
    } catch (err) {
      if (isReason(err, 'AlreadyExists')) return;
      if (!isReason(err, 'NotFound')) throw err;
      // The namespace itself is missing.
      try {
        await this.o.api.create(
          'namespaces',
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NODE_LEASE_NAMESPACE } },
          '',
        );
      } catch (e) {
        if (!isReason(e, 'AlreadyExists')) throw e;
      }
      this.lastLease = await this.o.api.create<Lease>('leases', lease, NODE_LEASE_NAMESPACE);
    }
  }

  private async every(signal: AbortSignal, ms: number, what: string, fn: () => Promise<void>): Promise<void> {
    let failing = false;
    while (!signal.aborted) {
      try {
        await fn();
        if (failing) this.log.info(`${what}: recovered`);
        failing = false;
      } catch (err) {
        if (!failing) this.log.warn({ err: errMessage(err) }, `${what} failed; retrying`);
        else this.log.debug({ err: errMessage(err) }, `${what} failed; retrying`);
        failing = true;
      }
      await sleep(ms, signal);
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(500, 10_000);
    while (!signal.aborted) {
      try {
        await this.register();
        break;
      } catch (err) {
        const wait = backoff.next();
        this.log.warn({ err: errMessage(err), retryInMs: wait }, 'node registration failed; retrying');
        await sleep(wait, signal);
      }
    }
    await Promise.all([
      this.every(signal, this.o.leaseMs, 'lease renewal', () => this.renewLease()),
      this.every(signal, this.o.statusMs, 'node status update', () => this.syncStatus()),
    ]);
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readText('/etc/os-release'));
  return m?.[1] ?? `${os.type()} ${os.release()}`;
}

/** Facts of the machine (container) this kubelet runs on; ids are unique per node name. */
export function readHostFacts(nodeName: string): HostFacts {
  const seed = createHash('sha256')
    .update(`${readText('/etc/machine-id')}/${nodeName}`)
    .digest('hex');
  let storageBytes: number | undefined;
  try {
    const s = statfsSync('/');
    storageBytes = s.blocks * s.bsize;
  } catch {
    storageBytes = undefined;
  }
  const facts: HostFacts = {
    cpus: Math.max(1, os.cpus().length),
    memoryBytes: os.totalmem(),
    arch: goArch(process.arch),
    machineID: seed.slice(0, 32),
    systemUUID: `${seed.slice(32, 40)}-${seed.slice(40, 44)}-${seed.slice(44, 48)}-${seed.slice(48, 52)}-${seed.slice(52, 64)}`,
    bootID: readText('/proc/sys/kernel/random/boot_id') || randomUUID(),
    kernelVersion: os.release(),
    osImage: osImage(),
  };
  if (storageBytes) facts.storageBytes = storageBytes;
  return facts;
}
