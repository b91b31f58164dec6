/**
 * Leader election on a Lease, with client-go's semantics: a candidate acquires the lease when it
 * is absent, released (no holder) or expired; the holder renews it every retry period and gives
 * up when it could not renew within the renew deadline. Expiry is judged on this process's own
 * clock, from the moment it last saw the record change (never from the renewTime another
 * machine wrote), so clock skew between candidates does not matter. Only the holder runs the
 * work; losing the lease rejects run() with LeaderElectionLostError (the caller exits: crash-only);
 * a cancelled run() stops the work, then releases the lease so a successor takes over at once
 * (client-go's ReleaseOnCancel). Events with reason LeaderElection go on the Lease, as upstream.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { EventRecorder } from './events.js';
import { sleep } from './backoff.js';
import type { LeaderElectionRecord, LeaseLock } from './leaderelection-lock.js';
import { isNotFound } from './leaderelection-lock.js';

/** client-go's jitter on the acquire period: each wait is retryPeriod × [1, 2.2). */
export const JITTER_FACTOR = 1.2;

/** The time seam: the real clock and timers, or a manual one in tests. */
export interface ElectionTime {
  now(): number;
  /** Resolves after ms, or early when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemElectionTime: ElectionTime = { now: () => Date.now(), sleep };

export interface LeaderElectionTimings {
  /** How long a standby waits, after it last saw the record change, before taking the lease. */
  leaseDurationMs: number;
  /** How long the holder keeps trying to renew before it gives up leading. */
  renewDeadlineMs: number;
  /** Between two attempts to acquire or renew. */
  retryPeriodMs: number;
}

/** What the elector needs of its lock (LeaseLock; tests may wrap it). */
export type ElectionLock = Pick<LeaseLock, 'describe' | 'get' | 'create' | 'update' | 'subject'>;

export interface LeaderElectorOptions extends LeaderElectionTimings {
  lock: ElectionLock;
  /** Unique per process: upstream uses hostname_uuid. */
  identity: string;
  log: Logger;
  time?: ElectionTime;
  random?: () => number;
  recorder?: EventRecorder & { flush?(): Promise<void> };
  /** How long a cancelled leader waits for its work to stop before it releases the lease (default 10 s). */
  shutdownGraceMs?: number;
  /** Called whenever the observed holder changes (also for this process). */
  onNewLeader?(identity: string): void;
}

export class LeaderElectionLostError extends Error {
  constructor(lock: string, identity: string) {
    super(`leader election lost: ${identity} could not renew lease ${lock} within the renew deadline`);
    this.name = 'LeaderElectionLostError';
  }
}

/** Checks the timings as client-go does: leaseDuration > renewDeadline > retryPeriod × 1.2 > 0. */
export function validateTimings(t: LeaderElectionTimings): void {
  if (!(t.retryPeriodMs > 0)) throw new Error('leader election: retryPeriod must be greater than zero');
  if (!(t.leaseDurationMs > t.renewDeadlineMs))
    throw new Error('leader election: leaseDuration must be greater than renewDeadline');
  if (!(t.renewDeadlineMs > JITTER_FACTOR * t.retryPeriodMs))
    throw new Error(`leader election: renewDeadline must be greater than retryPeriod*${JITTER_FACTOR}`);
}

type Outcome = 'cancelled' | 'lost' | 'work-ended';

export class LeaderElector {
  private observed: LeaderElectionRecord | undefined;
  private observedRaw = '';
  private observedTime = 0;
  private reportedLeader = '';
  private readonly time: ElectionTime;
  private readonly random: () => number;

  constructor(private readonly o: LeaderElectorOptions) {
    validateTimings(o);
    this.time = o.time ?? systemElectionTime;
    this.random = o.random ?? Math.random;
  }

  get identity(): string {
    return this.o.identity;
  }

  /** The holder last observed ('' when none). */
  leader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  isLeader(): boolean {
    return this.observed?.holderIdentity === this.o.identity;
  }

  /**
   * Campaigns until this process holds the lease, runs `work` while it does, and returns once
   * `signal` aborted and the lease is released. Rejects with LeaderElectionLostError when the
   * lease could not be renewed, and with the work's error when the work failed or ended.
   */
  async run(signal: AbortSignal, work: (leading: AbortSignal) => Promise<void>): Promise<void> {
    if (!(await this.acquire(signal))) return;
    if (signal.aborted) return void (await this.release());
    this.event('became leader');
    const leading = new AbortController();
    setMaxListeners(1000, leading.signal); // every worker of the work waits on it
    let failure: unknown;
    let ended = false;
    const running = Promise.resolve()
      .then(() => work(leading.signal))
      .catch((err: unknown) => void (failure = err))
      .finally(() => void (ended = true));
    const outcome = await this.renew(signal, running, () => ended);
    this.event('stopped leading');
    leading.abort();
    if (outcome === 'lost') {
      await this.flushEvents();
      throw new LeaderElectionLostError(this.o.lock.describe(), this.o.identity);
    }
    // Whatever the work still does must stop before a successor may start.
    const grace = new AbortController();
    await Promise.race([running, this.time.sleep(this.o.shutdownGraceMs ?? 10_000, grace.signal)]);
    grace.abort();
    await this.release();
    await this.flushEvents();
    if (outcome === 'work-ended')
      throw (
        failure ??
        new Error(`the work of leader ${this.o.identity} ended while it held lease ${this.o.lock.describe()}`)
      );
  }

  /** Tries until acquired (true) or cancelled (false), every retryPeriod with jitter. */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.o.log.info(
      { lease: this.o.lock.describe(), identity: this.o.identity },
      `attempting to acquire leader lease ${this.o.lock.describe()}...`,
    );
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew();
      this.maybeReportTransition();
      if (ok) {
        this.o.log.info(
          { lease: this.o.lock.describe(), identity: this.o.identity },
          `successfully acquired lease ${this.o.lock.describe()}`,
        );
        return true;
      }
      await this.time.sleep(this.o.retryPeriodMs * (1 + this.random() * JITTER_FACTOR), signal);
    }
    return false;
  }

  /** Renews every retryPeriod until cancelled, the work ends, or a renewal misses its deadline. */
  private async renew(signal: AbortSignal, running: Promise<void>, ended: () => boolean): Promise<Outcome> {
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    void running.then(onAbort);
    try {
      for (;;) {
        await this.time.sleep(this.o.retryPeriodMs, stop.signal);
        if (stop.signal.aborted) break;
        if (!(await this.renewWithin(this.o.renewDeadlineMs, stop.signal))) {
          if (stop.signal.aborted) break;
          this.o.log.error(
            { lease: this.o.lock.describe(), identity: this.o.identity, renewDeadlineMs: this.o.renewDeadlineMs },
            `failed to renew lease ${this.o.lock.describe()}: timed out`,
          );
          return 'lost';
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return ended() && !signal.aborted ? 'work-ended' : 'cancelled';
  }

  /** One renewal: attempts every retryPeriod until one succeeds or the deadline passes. */
  private async renewWithin(deadlineMs: number, stop: AbortSignal): Promise<boolean> {
    const deadline = this.time.now() + deadlineMs;
    while (!stop.aborted) {
      const left = deadline - this.time.now();
      if (left <= 0) return false;
      // No second attempt while one is in flight: a timed-out attempt ends the renewal.
      const ok = await this.within(this.tryAcquireOrRenew(), left);
      this.maybeReportTransition();
      if (ok) return true;
      if (ok === undefined) return false;
      const wait = Math.min(this.o.retryPeriodMs, deadline - this.time.now());
      if (wait <= 0) return false;
      await this.time.sleep(wait, stop);
    }
    return false;
  }

  /** The promise's value, or undefined when it did not settle within ms. */
  private async within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
    const timer = new AbortController();
    const timeout = this.time.sleep(ms, timer.signal).then(() => undefined);
    try {
      return await Promise.race([p, timeout]);
    } finally {
      timer.abort();
    }
  }

  /** One attempt to take or keep the lease (client-go's tryAcquireOrRenew); never throws. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.time.now();
    const desired: LeaderElectionRecord = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.o.leaseDurationMs / 1000)),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    const lock = this.o.lock;
    // Fast path: the holder writes over the record it wrote last.
    if (this.isLeader() && this.leaseValid(now) && this.observed) {
      desired.acquireTime = this.observed.acquireTime;
      desired.leaseTransitions = this.observed.leaseTransitions;
      try {
        await lock.update(desired);
        this.setObserved(desired);
        return true;
      } catch (err) {
        this.o.log.warn(
          { lease: lock.describe(), err: message(err) },
          'failed to update lease optimistically; reading it again',
        );
      }
    }
    let current: { record: LeaderElectionRecord; raw: string };
    try {
      current = await lock.get();
    } catch (err) {
      if (!isNotFound(err)) {
        this.o.log.warn({ lease: lock.describe(), err: message(err) }, 'error retrieving lease');
        return false;
      }
      try {
        await lock.create(desired);
      } catch (e) {
        this.o.log.warn({ lease: lock.describe(), err: message(e) }, 'error creating lease');
        return false;
      }
      this.setObserved(desired);
      return true;
    }
    if (current.raw !== this.observedRaw) {
      this.setObserved(current.record);
      this.observedRaw = current.raw;
    }
    if (current.record.holderIdentity !== '' && this.leaseValid(now) && !this.isLeader()) return false;
    if (this.isLeader()) {
      desired.acquireTime = current.record.acquireTime;
      desired.leaseTransitions = current.record.leaseTransitions;
    } else {
      desired.leaseTransitions = current.record.leaseTransitions + 1;
    }
    try {
      await lock.update(desired);
    } catch (err) {
      this.o.log.warn({ lease: lock.describe(), err: message(err) }, 'failed to update lease');
      return false;
    }
    this.setObserved(desired);
    return true;
  }

  /** Gives the lease up (no holder, 1 s duration), as client-go's release(); never throws. */
  private async release(): Promise<void> {
    if (!this.isLeader() || !this.observed) return;
    const now = this.time.now();
    const released: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: this.observed.leaseTransitions,
    };
    const ok = await this.within(
      this.o.lock.update(released).then(
        () => true,
        (err: unknown) => {
          this.o.log.error({ lease: this.o.lock.describe(), err: message(err) }, 'failed to release lease');
          return false;
        },
      ),
      this.o.renewDeadlineMs,
    );
    if (!ok) return;
    this.setObserved(released);
    this.o.log.info(
      { lease: this.o.lock.describe(), identity: this.o.identity },
      `released lease ${this.o.lock.describe()}`,
    );
  }

  private leaseValid(now: number): boolean {
    return this.observedTime + (this.observed?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private setObserved(r: LeaderElectionRecord): void {
    this.observed = r;
    this.observedTime = this.time.now();
  }

  private maybeReportTransition(): void {
    const holder = this.leader();
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (holder)
      this.o.log.info(
        { lease: this.o.lock.describe(), leader: holder },
        holder === this.o.identity ? 'this process is the leader' : `new leader elected: ${holder}`,
      );
    this.o.onNewLeader?.(holder);
  }

  private event(what: string): void {
    this.o.recorder?.event(this.o.lock.subject(), 'Normal', 'LeaderElection', `${this.o.identity} ${what}`);
  }

  private async flushEvents(): Promise<void> {
    const flush = this.o.recorder?.flush?.();
    if (!flush) return;
    const t = new AbortController();
    await Promise.race([flush, this.time.sleep(2_000, t.signal)]);
    t.abort();
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
