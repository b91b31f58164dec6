/**
 * Kernel forwarding: each Service becomes nftables rules in kube-proxy's own network namespace
 * (DNAT to an endpoint, masquerade so that replies return through it), applied per Service in one
 * `nft -f -` transaction, so a change costs the same with 10 Services or 2,000. Endpoints that
 * leave a pool have their conntrack entries deleted (`conntrack -D`), so their connections are
 * reset at the next packet and UDP flows move on, as upstream's kube-proxy does for UDP.
 */
import type { Logger } from 'pino';
import { mustParseCidr, type Cidr, type EndpointSlice, type Service } from '@kubelab/api';
import type { Lister } from '@kubelab/client';
import { backendKey } from './balancer.js';
import { desiredFor } from './desired.js';
import { EMPTY_APPLIED, baseScript, nodeSetScript, serviceScript, type NftApplied } from './nft-script.js';

export type RunInput = (file: string, args: string[], input: string) => Promise<void>;

export interface NftProxierOptions {
  services: Lister<Service>;
  slices: (svcKey: string) => EndpointSlice[];
  /** Pod IPs per node, for traffic policy Local. */
  nodePods: () => Map<string, string[]>;
  run: RunInput;
  log: Logger;
  serviceCidr?: string;
  lbPool?: string;
  nftCmd?: string;
  /** undefined: no conntrack binary (entries of removed endpoints then time out by themselves). */
  conntrackCmd?: string;
}

const NODE_PORT_HOST = '0.0.0.0';

export class NftProxier {
  private readonly applied = new Map<string, NftApplied>();
  private readonly backends = new Map<string, Set<string>>();
  private readonly warned = new Map<string, string[]>();
  private readonly cidr: Cidr;
  private readonly lbPool: Cidr | undefined;
  private nodes = new Map<string, Set<string>>();
  private started = false;
  /** conntrack deletions run one after another, off the sync path (a sync never waits for them). */
  private forgetting: Promise<void> = Promise.resolve();

  constructor(private readonly o: NftProxierOptions) {
    this.cidr = mustParseCidr(o.serviceCidr ?? '10.244.128.0/18', 'KUBELAB_SERVICE_CIDR');
    this.lbPool = o.lbPool ? mustParseCidr(o.lbPool, 'KUBELAB_LB_POOL') : undefined;
  }

  private nft(lines: string[]): Promise<void> {
    return this.o.run(this.o.nftCmd ?? 'nft', ['-f', '-'], lines.join('\n') + '\n');
  }

  private plan(key: string): { script: string[]; applied: NftApplied; backends: Set<string>; warnings: string[] } {
    const d = desiredFor(this.o.services.get(key), this.o.slices(key), {
      serviceCidr: this.cidr,
      lbPool: this.lbPool,
      nodePortHost: NODE_PORT_HOST,
    });
    const { script, applied } = serviceScript(this.applied.get(key) ?? EMPTY_APPLIED, d, NODE_PORT_HOST);
    const backends = new Set([...d.pools.values()].flatMap((p) => p.backends.map(backendKey)));
    return { script, applied, backends, warnings: d.warnings };
  }

  private commit(key: string, p: ReturnType<NftProxier['plan']>): string[] {
    const prev = this.backends.get(key) ?? new Set();
    const gone = [...prev].filter((b) => !p.backends.has(b));
    if (p.applied.elements.length + p.applied.chains.length === 0) this.applied.delete(key);
    else this.applied.set(key, p.applied);
    if (p.backends.size === 0) this.backends.delete(key);
    else this.backends.set(key, p.backends);
    const old = this.warned.get(key) ?? [];
    for (const w of p.warnings) if (!old.includes(w)) this.o.log.warn(w);
    this.warned.set(key, p.warnings);
    return gone;
  }

  async syncService(key: string): Promise<void> {
    if (!this.started) return;
    const p = this.plan(key);
    if (p.script.length > 0) await this.nft(p.script);
    const gone = this.commit(key, p);
    if (p.script.length > 0) this.o.log.info({ service: key, endpoints: [...p.backends] }, 'service rules applied');
    this.forgetLater(gone);
  }

  /**
   * At start: makes the table anew with every Service's rules in one transaction. Later (the
   * periodic resync): only when the table went missing (someone flushed the ruleset), so that
   * affinity sets and round-robin counters are kept.
   */
  async syncAll(): Promise<void> {
    if (this.started) {
      const present = await this.o
        .run(this.o.nftCmd ?? 'nft', ['list', 'chain', 'ip', 'kubelab', 'postrouting'], '')
        .then(
          () => true,
          () => false,
        );
      if (present) return;
      this.o.log.warn('the nftables table ip kubelab is gone; making it again');
    }
    const t0 = performance.now();
    this.applied.clear();
    const nodes = this.o.nodePods();
    const lines = baseScript(nodes);
    const keys = this.o.services.list().map((s) => `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`);
    const plans = keys.map((k) => [k, this.plan(k)] as const);
    for (const [, p] of plans) lines.push(...p.script);
    await this.nft(lines);
    this.nodes = new Map([...nodes].map(([n, ips]) => [n, new Set(ips)]));
    const gone: string[] = [];
    this.backends.forEach((_, k) => !keys.includes(k) && this.backends.delete(k));
    for (const [k, p] of plans) gone.push(...this.commit(k, p));
    this.started = true;
    this.o.log.info(
      { services: keys.length, rules: lines.length, ms: Math.round(performance.now() - t0) },
      'all service rules applied',
    );
    this.forgetLater(gone);
  }

  /** Brings the node pod-IP sets up to date (for Local services). */
  async syncNodes(): Promise<void> {
    if (!this.started) return;
    const want = this.o.nodePods();
    const lines: string[] = [];
    for (const [node, ips] of want) {
      const cur = this.nodes.get(node) ?? new Set();
      const add = ips.filter((ip) => !cur.has(ip));
      const del = [...cur].filter((ip) => !ips.includes(ip));
      if (add.length || del.length || !this.nodes.has(node)) lines.push(...nodeSetScript(node, add, del));
    }
    if (lines.length === 0) return;
    await this.nft(lines);
    this.nodes = new Map([...want].map(([n, ips]) => [n, new Set(ips)]));
  }

  private forgetLater(gone: string[]): void {
    if (!this.o.conntrackCmd || gone.length === 0) return;
    this.forgetting = this.forgetting.then(() => this.forget(gone));
  }

  /** Resolves when the conntrack deletions asked for so far are done (tests). */
  settled(): Promise<void> {
    return this.forgetting;
  }

  /** Deletes the conntrack entries of endpoints no Service has any more (checked when it runs). */
  private async forget(gone: string[]): Promise<void> {
    for (const b of gone) {
      if ([...this.backends.values()].some((s) => s.has(b))) continue;
      const [ip, port] = b.split(':');
      for (const proto of ['tcp', 'udp']) {
        await this.o
          .run(this.o.conntrackCmd!, ['-D', '-p', proto, '--reply-src', ip!, '--reply-port-src', port!], '')
          .catch(() => undefined); // exit 1: nothing to delete
      }
    }
  }

  close(): void {
    /* the rules stay: established flows keep working until the next start rebuilds them */
  }
}
