/**
 * A steady write load on ConfigMaps over REST for fault tests: a write started every
 * 1000/ratePerSecond ms on a random key of a fixed set (create when absent, else update with the
 * known resourceVersion, sometimes delete), one write per key at a time. Every write the
 * apiserver acknowledged is recorded with the resourceVersion it answered; a write that failed
 * (503, timeout) leaves its key unknown until a GET has re-read it. Seeded: print the seed.
 */
import { seededRandom } from '@kubelab/client/seeded-random';
import type { AckedWrite } from '@kubelab/client/watch-history';

export interface WriteLoadOptions {
  base: string;
  namespace: string;
  keys: number;
  ratePerSecond: number;
  seed: number;
  /** Per-request deadline. */
  timeoutMs?: number;
}

type Known = { rv: number } | 'absent' | 'unknown';

export class WriteLoad {
  readonly acked: AckedWrite[] = [];
  failed = 0;
  /** Writes started (ticks that found a free key; the rest were skipped). */
  attempts = 0;
  private readonly known = new Map<string, Known>();
  private readonly busy = new Set<string>();
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: WriteLoadOptions) {
    this.random = seededRandom(o.seed);
  }

  /** Starts writes at the rate, catching up on timer drift (a busy event loop fires timers late). */
  start(): void {
    const t0 = Date.now();
    let started = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - t0) / 1000) * this.o.ratePerSecond);
      for (; started < due; started++) this.tick();
    }, 1000 / this.o.ratePerSecond);
  }

  /** Stops starting writes and waits for those in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }

  private tick(): void {
    // A random key that has no write in flight (the next free one after a busy pick).
    const first = Math.floor(this.random() * this.o.keys);
    let name = '';
    for (let i = 0; i < this.o.keys && !name; i++) {
      const candidate = `k${(first + i) % this.o.keys}`;
      if (!this.busy.has(candidate)) name = candidate;
    }
    if (!name) return;
    this.attempts++;
    const roll = this.random();
    this.busy.add(name);
    const p = this.write(name, roll).finally(() => {
      this.busy.delete(name);
      this.inFlight.delete(p);
    });
    this.inFlight.add(p);
  }

  private url(name?: string): string {
    const coll = `${this.o.base}/api/v1/namespaces/${this.o.namespace}/configmaps`;
    return name ? `${coll}/${name}` : coll;
  }

  private async request(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; json: { metadata?: { resourceVersion?: string } } }> {
    const res = await fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 5_000),
    });
    return { status: res.status, json: (await res.json()) as { metadata?: { resourceVersion?: string } } };
  }

  private async write(name: string, roll: number): Promise<void> {
    const key = `${this.o.namespace}/${name}`;
    try {
      let cur = this.known.get(name) ?? 'absent';
      if (cur === 'unknown') {
        const r = await this.request('GET', this.url(name));
        if (r.status === 404) cur = 'absent';
        else if (r.status === 200) cur = { rv: Number(r.json.metadata?.resourceVersion) };
        else return;
        this.known.set(name, cur);
      }
      const data = { v: String(Math.floor(roll * 1e9)) };
      let r: Awaited<ReturnType<WriteLoad['request']>>;
      let type: AckedWrite['type'] = 'put';
      if (cur === 'absent') r = await this.request('POST', this.url(), { metadata: { name }, data });
      else if (roll < 0.1) {
        type = 'delete';
        r = await this.request('DELETE', this.url(name), { preconditions: { resourceVersion: String(cur.rv) } });
      } else
        r = await this.request('PUT', this.url(name), { metadata: { name, resourceVersion: String(cur.rv) }, data });
      if (r.status !== 200 && r.status !== 201) {
        this.failed++;
        this.known.set(name, 'unknown');
        return;
      }
      const rv = Number(r.json.metadata?.resourceVersion);
      this.acked.push({ key, rv, type });
      this.known.set(name, type === 'delete' ? 'absent' : { rv });
    } catch {
      this.failed++;
      this.known.set(name, 'unknown');
    }
  }
}
