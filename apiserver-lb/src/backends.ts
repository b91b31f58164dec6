/**
 * The apiservers behind the balancer: every address the backend names resolve to, each with the
 * health its last check found. Connections go to ready apiservers in turn; when none is ready
 * (etcd lost quorum: every apiserver answers 503) they still go to those that answer at all, so
 * clients get the apiserver's own clean 503 rather than a refused connection; addresses that
 * did not answer come last, in case the checks are behind.
 */
import type { Logger } from 'pino';

export type Health = 'ready' | 'unready' | 'down' | 'unknown';

/** Addresses a name stands for (an IP literal stands for itself). */
export type Resolve = (name: string) => Promise<string[]>;

export interface Checker {
  check(address: string): Promise<Exclude<Health, 'unknown'>>;
  /** The address is gone: drop what is kept for it (a kept-alive connection). */
  forget(address: string): void;
}

const ORDER: Health[] = ['unknown', 'unready', 'down'];

export class BackendPool {
  private readonly health = new Map<string, Health>();
  private turn = 0;

  constructor(
    private readonly names: string[],
    private readonly resolve: Resolve,
    private readonly checker: Checker,
    private readonly log: Logger,
  ) {}

  /** Looks the names up again and checks every address once. */
  async refresh(): Promise<void> {
    const found = new Set<string>();
    let answered = false;
    for (const name of this.names) {
      try {
        for (const a of await this.resolve(name)) found.add(a);
        answered = true;
      } catch (err) {
        this.log.debug({ name, err: (err as Error).message }, 'backend name did not resolve');
      }
    }
    // A lookup that failed altogether keeps the addresses known (the checks say what they are worth).
    if (answered) {
      for (const a of [...this.health.keys()]) {
        if (found.has(a)) continue;
        this.health.delete(a);
        this.checker.forget(a);
        this.log.info({ backend: a }, 'backend gone');
      }
      for (const a of found) {
        if (this.health.has(a)) continue;
        this.health.set(a, 'unknown');
        this.log.info({ backend: a }, 'backend found');
      }
    }
    await Promise.all([...this.health.keys()].map((a) => this.checkOne(a)));
  }

  private async checkOne(address: string): Promise<void> {
    const h = await this.checker.check(address);
    const was = this.health.get(address);
    if (was === undefined) return; // removed meanwhile
    if (was !== h) this.log.info({ backend: address, health: h, was }, `backend ${h}`);
    this.health.set(address, h);
  }

  /** A connection to it failed: try the others first until a check says otherwise. */
  markDown(address: string): void {
    const was = this.health.get(address);
    if (was === undefined || was === 'down') return;
    this.health.set(address, 'down');
    this.log.info({ backend: address, was }, 'backend down (connection failed)');
  }

  /** Every known address, best first: ready ones in turn, then unknown, unready, down. */
  candidates(): string[] {
    const of = (h: Health): string[] => [...this.health].filter(([, x]) => x === h).map(([a]) => a);
    const ready = of('ready');
    const start = ready.length ? this.turn++ % ready.length : 0;
    return [...ready.slice(start), ...ready.slice(0, start), ...ORDER.flatMap(of)];
  }

  /** For logs and tests: address → health. */
  snapshot(): Record<string, Health> {
    return Object.fromEntries(this.health);
  }
}
