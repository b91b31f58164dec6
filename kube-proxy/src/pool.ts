/**
 * The backends of one service port as a forwarder sees them: round-robin over the ready
 * endpoints, narrowed to the client's node when the traffic policy is Local, and kept on one
 * endpoint per client address for `sessionAffinity: ClientIP` (the timeout counts from the
 * client's last new connection, as upstream's `recent` match does). Pure apart from the clock.
 */
import { RoundRobin, backendKey, sameBackends, type Backend, type BackendPicker } from './balancer.js';

export interface PoolPolicy {
  /** sessionAffinity ClientIP: seconds a client stays on its endpoint; undefined for None. */
  affinitySeconds?: number;
  /** Traffic policy Local: only endpoints on the client's node. */
  local?: boolean;
}

export interface PoolDeps {
  /** The node a client address (a pod IP) runs on; undefined when unknown. */
  nodeOf?: (ip: string) => string | undefined;
  now?: () => number;
}

interface Sticky {
  backend: string;
  expires: number;
}

/** Affinity entries are swept when there are more than this many. */
const SWEEP_AT = 4096;

export class ServicePool implements BackendPicker {
  private readonly rr = new RoundRobin();
  private policy: PoolPolicy = {};
  private readonly sticky = new Map<string, Sticky>();
  private readonly now: () => number;

  constructor(
    backends: Backend[],
    policy: PoolPolicy,
    private readonly deps: PoolDeps = {},
  ) {
    this.now = deps.now ?? Date.now;
    this.update(backends, policy);
  }

  /** Replaces backends and policy; returns the keys of the backends that went away. */
  update(backends: Backend[], policy: PoolPolicy): Set<string> {
    const before = new Set(this.rr.list().map(backendKey));
    if (!sameBackends(this.rr.list(), backends)) this.rr.set(backends);
    if (policy.affinitySeconds !== this.policy.affinitySeconds) this.sticky.clear();
    this.policy = { ...policy };
    for (const b of this.rr.list()) before.delete(backendKey(b));
    return before;
  }

  list(): Backend[] {
    return this.rr.list();
  }

  get size(): number {
    return this.rr.size;
  }

  get affinitySeconds(): number | undefined {
    return this.policy.affinitySeconds;
  }

  candidates(client?: string): Backend[] {
    const seconds = this.policy.affinitySeconds;
    const now = this.now();
    const stuck = seconds !== undefined && client ? this.sticky.get(client) : undefined;
    const live = stuck && stuck.expires > now ? stuck : undefined;
    let order = this.rr.candidates(client, !live);
    if (this.policy.local) {
      const node = client ? this.deps.nodeOf?.(client) : undefined;
      order = node ? order.filter((b) => b.nodeName === node) : [];
    }
    if (seconds === undefined || !client || order.length === 0) return order;
    const i = live ? order.findIndex((b) => backendKey(b) === live.backend) : -1;
    if (i > 0) order = [order[i]!, ...order.slice(0, i), ...order.slice(i + 1)];
    this.sticky.delete(client);
    this.sticky.set(client, { backend: backendKey(order[0]!), expires: now + seconds * 1000 });
    if (this.sticky.size > SWEEP_AT) this.sweep(now);
    return order;
  }

  /** Tells the pool which backend a client really got (after fail-over to a later candidate). */
  chose(client: string | undefined, b: Backend): void {
    const s = client ? this.sticky.get(client) : undefined;
    if (s) s.backend = backendKey(b);
  }

  private sweep(now: number): void {
    for (const [k, s] of this.sticky) if (s.expires <= now) this.sticky.delete(k);
  }
}
