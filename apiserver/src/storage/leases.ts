/**
 * Leases for keys that expire (Events, `--event-ttl`), shared as upstream's etcd3 leaseManager
 * shares them: a lease is reused for keys written within its reuse window (5% of the TTL, at most
 * a minute), and is granted for TTL + that window, so one lease serves a minute of writes instead
 * of one lease per key, and every key lives between TTL and TTL + window after its last write.
 */
import type { Clock } from '@kubelab/api';
import type { TxnOp } from './store.js';

export interface GrantedLease {
  id: string;
  /** When this lease stops being handed out (ms). */
  reuseUntilMs: number;
  ttlSeconds: number;
}

/** How long a lease for ttlSeconds is reused (upstream: min(60 s, 5% of the TTL)). */
export function reuseSeconds(ttlSeconds: number): number {
  return Math.min(60, ttlSeconds * 0.05);
}

export class LeaseCache {
  /** The current lease per requested TTL. */
  private readonly leases = new Map<number, GrantedLease>();
  /** Grants under way per TTL: concurrent writes wait for the same one. */
  private readonly granting = new Map<number, Promise<GrantedLease>>();
  private granted = 0;

  constructor(
    /** Grants an etcd lease of ttlSeconds; returns its id. */
    private readonly grant: (ttlSeconds: number) => Promise<string>,
    private readonly clock: Clock,
  ) {}

  /** A lease id that keeps a key written now for at least ttlSeconds. */
  async leaseFor(ttlSeconds: number): Promise<string> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const have = this.leases.get(ttl);
    if (have && have.reuseUntilMs > this.clock.now()) return have.id;
    let p = this.granting.get(ttl);
    if (!p) {
      const reuse = reuseSeconds(ttl);
      const now = this.clock.now();
      p = this.grant(Math.ceil(ttl + reuse))
        .then((id) => {
          const l: GrantedLease = { id, reuseUntilMs: now + reuse * 1000, ttlSeconds: ttl };
          this.leases.set(ttl, l);
          return l;
        })
        .finally(() => this.granting.delete(ttl));
      this.granting.set(ttl, p);
      this.granted++;
    }
    return (await p).id;
  }

  /** The lease id for each op that writes with a TTL (undefined for the others). */
  forOps(ops: TxnOp[]): Promise<(string | undefined)[]> {
    return Promise.all(
      ops.map((op) =>
        (op.type === 'create' || op.type === 'update') && op.ttlSeconds !== undefined
          ? this.leaseFor(op.ttlSeconds)
          : undefined,
      ),
    );
  }

  /** The lease is gone (etcd said "requested lease not found"): the next write gets a new one. */
  forget(id: string): void {
    for (const [ttl, l] of this.leases) if (l.id === id) this.leases.delete(ttl);
  }

  /** How many leases were granted (tests, metrics). */
  get grantedCount(): number {
    return this.granted;
  }
}
