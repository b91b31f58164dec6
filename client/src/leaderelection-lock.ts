/**
 * The lock of leader election: a coordination.k8s.io/v1 Lease, read and written with optimistic
 * concurrency (every update carries the resourceVersion last read or written, so two candidates
 * racing for an expired lease cannot both win). The record is upstream's LeaderElectionRecord.
 */
import { ApiError } from '@kubelab/proto';
import type { KubeObject, Lease } from '@kubelab/api';

/** What the Lease's spec says, with times in epoch milliseconds. */
export interface LeaderElectionRecord {
  /** Empty: nobody holds the lease (it was released). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

/** The ApiClient methods a LeaseLock calls (ApiClient satisfies it). */
export interface LeaseApi {
  get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T>;
  create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T>;
  update<T extends KubeObject>(resource: string, obj: T): Promise<T>;
}

/** metav1.MicroTime: RFC 3339 with six fractional digits, UTC. */
export function microTime(ms: number): string {
  const d = new Date(Math.floor(ms));
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds() * 1000).padStart(6, '0')}Z`;
}

function parseTime(v: string | undefined): number {
  const ms = v ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : 0;
}

export function recordFromSpec(spec: Lease['spec'] | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: parseTime(spec?.acquireTime),
    renewTime: parseTime(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

export function specFromRecord(r: LeaderElectionRecord): Lease['spec'] {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: microTime(r.acquireTime),
    renewTime: microTime(r.renewTime),
    leaseTransitions: r.leaseTransitions,
  };
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'NotFound';
}

export class LeaseLock {
  /** The Lease as last read or written: its resourceVersion guards the next update. */
  private lease: Lease | undefined;

  constructor(
    private readonly api: LeaseApi,
    readonly namespace: string,
    readonly name: string,
  ) {}

  /** "kube-system/kube-scheduler" */
  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** The current record and its raw form (to tell whether it changed); NotFound when absent. */
  async get(): Promise<{ record: LeaderElectionRecord; raw: string }> {
    this.lease = await this.api.get<Lease>('leases', this.namespace, this.name);
    return { record: recordFromSpec(this.lease.spec), raw: JSON.stringify(this.lease.spec ?? {}) };
  }

  async create(r: LeaderElectionRecord): Promise<void> {
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace },
      spec: specFromRecord(r),
    };
    this.lease = await this.api.create<Lease>('leases', lease, this.namespace);
  }

  /** Writes the record over the Lease last seen; a Conflict means someone else wrote in between. */
  async update(r: LeaderElectionRecord): Promise<void> {
    if (!this.lease) throw new Error(`lease ${this.describe()} not read yet: get or create it first`);
    this.lease = await this.api.update<Lease>('leases', { ...this.lease, spec: specFromRecord(r) });
  }

  /** The object events about this election are recorded on (as upstream: the Lease). */
  subject(): Lease {
    const meta = this.lease?.metadata ?? { name: this.name, namespace: this.namespace };
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...meta }, spec: this.lease?.spec ?? {} };
  }
}
