/**
 * Kubelet stats for the metrics API: every Ready node is asked in parallel with a short timeout; a
 * node that fails or is too slow is skipped. Answers are cached per node for a while (and
 * concurrent requests share one call) so that repeated `kubectl top` calls don't hammer Docker.
 */
import type { Node } from '@kubelab/api';
import type { StatsResponse } from '@kubelab/proto';
import type { Logger } from 'pino';

/** The part of the KubeletConnector the metrics API uses. */
export interface StatsSource {
  stats(nodeName: string): Promise<StatsResponse>;
}

export interface MetricsCacheOptions {
  source: StatsSource;
  /** How long an answer is reused; 10 s by default. */
  ttlMs?: number;
  /** How long one node may take (both tries); 8 s by default: Docker's stats take 2-4 s on a busy host. */
  timeoutMs?: number;
  now?: () => number;
  log?: Logger;
}

interface Entry {
  at: number;
  value: Promise<StatsResponse | undefined>;
}

export function isReady(node: Node): boolean {
  const conds = (node.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms}ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export class MetricsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttl: number;
  private readonly timeout: number;
  private readonly now: () => number;

  constructor(private readonly o: MetricsCacheOptions) {
    this.ttl = o.ttlMs ?? 10_000;
    this.timeout = o.timeoutMs ?? 8_000;
    this.now = o.now ?? Date.now;
  }

  /** Stats of one node; undefined when it could not be had (failures are not cached). */
  nodeStats(nodeName: string): Promise<StatsResponse | undefined> {
    const t = this.now();
    const hit = this.entries.get(nodeName);
    if (hit && t - hit.at < this.ttl) return hit.value;
    // One immediate retry within the same time budget: a call on a channel that just broke fails fast.
    const once = (): Promise<StatsResponse> => this.o.source.stats(nodeName);
    const value = withTimeout(once().catch(once), this.timeout, `stats of node ${nodeName}`).catch((err: unknown) => {
      this.o.log?.debug(
        { node: nodeName, err: err instanceof Error ? err.message : String(err) },
        'node skipped in metrics',
      );
      if (this.entries.get(nodeName)?.value === value) this.entries.delete(nodeName);
      return undefined;
    });
    this.entries.set(nodeName, { at: t, value });
    return value;
  }

  /** Stats of the Ready nodes among `nodes`, asked in parallel; nodes without an answer are left out. */
  async readyNodeStats(nodes: Node[]): Promise<Map<string, StatsResponse>> {
    const ready = nodes.filter(isReady).map((n) => n.metadata.name ?? '');
    const answers = await Promise.all(ready.map(async (name) => [name, await this.nodeStats(name)] as const));
    const out = new Map<string, StatsResponse>();
    for (const [name, s] of answers) if (s) out.set(name, s);
    return out;
  }
}

const caches = new WeakMap<StatsSource, MetricsCache>();

/** One cache per connector, kept for the life of the server. */
export function metricsCacheFor(source: StatsSource, log?: Logger): MetricsCache {
  let c = caches.get(source);
  if (!c) {
    c = new MetricsCache(log ? { source, log } : { source });
    caches.set(source, c);
  }
  return c;
}
