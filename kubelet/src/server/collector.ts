/**
 * Container stats for the metrics API, kept cheap. Docker's plain `stats?stream=false` waits for
 * two of its 1 s collection ticks per container and loaded both Docker and the kubelet when
 * `kubectl top` was polled. Instead this collector reads one-shot stats (one tick; all
 * containers in parallel wait for the same tick), computes the CPU rate itself from its own
 * previous sample (metrics-server's way: a rate over the scrape interval), and answers from its
 * cache: a request gets the last samples at once and, when they are older than `maxAgeMs`,
 * starts one refresh in the background. Only the very first request waits for a refresh.
 */
import type { CpuStats, MemoryStats } from '@kubelab/proto';
import { Semaphore, withTimeout } from '../runtime/limiter.js';
import type { ContainerStatsSample } from '../runtime/runtime.js';

/** A running container as the collector needs it. */
export interface StatsTarget {
  id: string;
  /** RFC 3339; the CPU rate of a first sample is the average since this time. */
  startedAt?: string;
}

export interface ContainerUsage {
  cpu: CpuStats;
  memory: MemoryStats;
}

interface Sample extends ContainerUsage {
  /** When the runtime read it (ms since the epoch). */
  at: number;
  /** When this collector got it (its own clock). */
  fetchedAt: number;
}

export interface StatsCollectorOptions {
  /** One reading of one container (the runtime's containerStats). */
  read: (id: string) => Promise<ContainerStatsSample>;
  now?: () => number;
  /** Samples younger than this are served without a refresh; 10 s by default. */
  maxAgeMs?: number;
  /** Stats calls in flight at once; 8 by default. */
  concurrency?: number;
  /** Deadline of one stats call; 5 s by default. */
  timeoutMs?: number;
  onError?: (id: string, err: unknown) => void;
}

/** CPU rate between two cumulative readings (ns of CPU per ns of wall time → nanocores). */
export function rate(prevTotal: number, prevAt: number, total: number, at: number): number {
  if (at <= prevAt || total < prevTotal) return 0;
  return Math.round(((total - prevTotal) / ((at - prevAt) * 1e6)) * 1e9);
}

export class StatsCollector {
  private readonly samples = new Map<string, Sample>();
  private refreshing: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly maxAge: number;
  private readonly sem: Semaphore;
  private readonly timeout: number;

  constructor(private readonly o: StatsCollectorOptions) {
    this.now = o.now ?? Date.now;
    this.maxAge = o.maxAgeMs ?? 10_000;
    this.sem = new Semaphore(o.concurrency ?? 8);
    this.timeout = o.timeoutMs ?? 5_000;
  }

  /** Usage of the given running containers (those without a sample yet are left out). */
  async usage(targets: StatsTarget[]): Promise<Map<string, ContainerUsage>> {
    const t0 = this.now();
    this.forgetOld(t0);
    const missing = targets.some((t) => !this.samples.has(t.id));
    const stale = targets.filter((t) => t0 - (this.samples.get(t.id)?.fetchedAt ?? 0) >= this.maxAge);
    if (stale.length > 0) {
      const refresh = this.refresh(stale);
      // Wait only when there is nothing to show yet for some container.
      if (missing) await refresh;
    }
    const out = new Map<string, ContainerUsage>();
    for (const t of targets) {
      const s = this.samples.get(t.id);
      if (s) out.set(t.id, { cpu: s.cpu, memory: s.memory });
    }
    return out;
  }

  /** Samples nobody asked to refresh for a long time belong to containers that are gone. */
  private forgetOld(now: number): void {
    for (const [id, s] of this.samples) if (now - s.fetchedAt > 30 * this.maxAge) this.samples.delete(id);
  }

  /** One refresh at a time; a request during a refresh shares it. */
  private refresh(targets: StatsTarget[]): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const run = async (): Promise<void> => {
      await Promise.all(
        targets.map(async (t) => {
          try {
            const raw = await this.sem.run(() =>
              withTimeout(`stats of container ${t.id.slice(0, 12)}`, this.timeout, () => this.o.read(t.id)),
            );
            this.samples.set(t.id, this.toSample(t, raw, this.samples.get(t.id)));
          } catch (err) {
            this.o.onError?.(t.id, err);
          }
        }),
      );
    };
    this.refreshing = run().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private toSample(t: StatsTarget, raw: ContainerStatsSample, prev: Sample | undefined): Sample {
    const fetchedAt = this.now();
    const at = raw.timestamp;
    const total = raw.cpuUsageCoreNanoSeconds;
    let nano: number;
    if (prev) nano = rate(prev.cpu.usageCoreNanoSeconds, prev.at, total, at);
    else {
      const started = t.startedAt ? Date.parse(t.startedAt) : NaN;
      nano = Number.isFinite(started) ? rate(0, started, total, at) : 0;
    }
    return { at, fetchedAt, cpu: { usageNanoCores: nano, usageCoreNanoSeconds: total }, memory: raw.memory };
  }
}
