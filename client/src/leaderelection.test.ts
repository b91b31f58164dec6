import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { MemoryEventRecorder } from './events.js';
import { FakeLeaseStore, ManualTime, flush, type FakeLeaseClient } from './leaderelection-fakes.js';
import { LeaderElectionLostError, LeaderElector, validateTimings } from './leaderelection.js';
import { LeaseLock, microTime } from './leaderelection-lock.js';

const log = pino({ level: 'silent' });
const TIMINGS = { leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 1_000 };

/** Counts how many candidates lead at once: the safety property is that it never exceeds one. */
class Leading {
  now = 0;
  max = 0;
  enter(): void {
    this.now++;
    this.max = Math.max(this.max, this.now);
  }
  leave(): void {
    this.now--;
  }
}

interface Candidate {
  id: string;
  api: FakeLeaseClient;
  elector: LeaderElector;
  events: MemoryEventRecorder;
  ac: AbortController;
  leading: boolean;
  startedAt?: number;
  /** Settles with run()'s outcome. */
  done: Promise<unknown>;
}

function candidate(
  store: FakeLeaseStore,
  time: ManualTime,
  id: string,
  counter = new Leading(),
  random = () => 0.5,
): Candidate {
  const api = store.client();
  const events = new MemoryEventRecorder();
  const elector = new LeaderElector({
    ...TIMINGS,
    lock: new LeaseLock(api, 'kube-system', 'kube-scheduler'),
    identity: id,
    log,
    time,
    random,
    recorder: events,
  });
  const ac = new AbortController();
  const c: Candidate = { id, api, elector, events, ac, leading: false, done: Promise.resolve() };
  c.done = elector
    .run(ac.signal, async (leadingSignal) => {
      c.leading = true;
      c.startedAt = time.now();
      counter.enter();
      await new Promise<void>((r) => leadingSignal.addEventListener('abort', () => r(), { once: true }));
      counter.leave();
      c.leading = false;
    })
    .then(
      () => 'returned',
      (err: unknown) => err,
    );
  return c;
}

const lease = (store: FakeLeaseStore) => store.peek('kube-system', 'kube-scheduler')!;

describe('LeaderElector', () => {
  it('creates an absent lease with upstream fields, leads, and renews every retry period', async () => {
    const time = new ManualTime();
    const store = new FakeLeaseStore();
    const a = candidate(store, time, 'a_1');
    await flush();
    assert.ok(a.leading, 'the only candidate leads at once');
    const first = lease(store);
    assert.equal(first.spec.holderIdentity, 'a_1');
    assert.equal(first.spec.leaseDurationSeconds, 8);
    assert.equal(first.spec.leaseTransitions, 0);
    assert.equal(first.spec.acquireTime, microTime(time.now()));
    assert.equal(first.spec.renewTime, first.spec.acquireTime);
    assert.match(first.spec.renewTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const writes = store.writes;
    await time.advance(5_000);
    assert.equal(store.writes - writes, 5, 'one renewal per retry period');
    assert.equal(lease(store).spec.acquireTime, first.spec.acquireTime, 'acquireTime stays');
    assert.equal(lease(store).spec.renewTime, microTime(time.now()));
    assert.deepEqual(a.events.lines(), ['Normal LeaderElection a_1 became leader']);
    assert.equal(a.events.events[0]!.object.kind, 'Lease');
    assert.equal(a.events.events[0]!.object.metadata.namespace, 'kube-system');
    a.ac.abort();
    assert.equal(await a.done, 'returned');
  });

  it('a standby does not act while the lease is renewed, however old renewTime looks (clock skew)', async () => {
    const time = new ManualTime();
    const store = new FakeLeaseStore();
    const counter = new Leading();
    const a = candidate(store, time, 'a', counter);
    await flush();
    const b = candidate(store, time, 'b', counter);
    // The leader's clock is an hour behind: expiry is judged from when b saw the record change.
    const skewed = (): void => {
      const l = lease(store);
      l.spec.renewTime = microTime(time.now() - 3_600_000);
    };
    for (let i = 0; i < 30; i++) {
      await time.advance(1_000);
      skewed();
    }
    assert.ok(a.leading && !b.leading);
    assert.equal(counter.max, 1);
    a.ac.abort();
    b.ac.abort();
    await Promise.all([a.done, b.done]);
  });

  it('a killed leader (no more renewals) is replaced within the lease duration plus one jittered retry', async () => {
    const time = new ManualTime();
    const store = new FakeLeaseStore();
    const counter = new Leading();
    const a = candidate(store, time, 'a', counter);
    await flush();
    const b = candidate(store, time, 'b', counter);
    await time.advance(3_000);
    a.api.mode = 'hang'; // the process is gone: its calls never arrive
    const killedAt = time.now();
    const took = await time.until(() => b.leading, 20_000);
    assert.ok(took >= TIMINGS.leaseDurationMs - TIMINGS.retryPeriodMs, `not before the lease expired (${took} ms)`);
    assert.ok(
      took <= TIMINGS.leaseDurationMs + 2.2 * TIMINGS.retryPeriodMs + TIMINGS.retryPeriodMs,
      `within the lease duration and a jittered retry (${took} ms)`,
    );
    assert.equal(counter.max, 1, 'the stalled leader stopped acting (renew deadline) before the standby started');
    assert.ok(a.leading === false && time.now() >= killedAt);
    const err = await a.done;
    assert.ok(err instanceof LeaderElectionLostError, String(err));
    assert.equal(lease(store).spec.holderIdentity, 'b');
    assert.equal(lease(store).spec.leaseTransitions, 1);
    assert.equal(lease(store).spec.acquireTime, microTime(b.startedAt!));
    assert.deepEqual(a.events.lines(), [
      'Normal LeaderElection a became leader',
      'Normal LeaderElection a stopped leading',
    ]);
    b.ac.abort();
    await b.done;
  });

  it('cancelling the leader stops its work, then releases the lease: the standby takes over at once', async () => {
    const time = new ManualTime();
    const store = new FakeLeaseStore();
    const counter = new Leading();
    const a = candidate(store, time, 'a', counter);
    await flush();
    const b = candidate(store, time, 'b', counter);
    await time.advance(4_000);
    a.ac.abort();
    assert.equal(await a.done, 'returned');
    assert.equal(a.leading, false);
    const released = lease(store).spec;
    assert.equal(released.holderIdentity, '');
    assert.equal(released.leaseDurationSeconds, 1);
    assert.equal(released.leaseTransitions, 0);
    const took = await time.until(() => b.leading, 10_000);
    assert.ok(took <= 2.2 * TIMINGS.retryPeriodMs, `the successor's next attempt wins (${took} ms)`);
    assert.equal(lease(store).spec.leaseTransitions, 1);
    assert.equal(counter.max, 1);
    b.ac.abort();
    await b.done;
  });

  it('an apiserver away for less than the renew deadline is ridden out; longer loses the lease', async () => {
    const time = new ManualTime();
    const store = new FakeLeaseStore();
    const a = candidate(store, time, 'a');
    await flush();
    a.api.mode = 'unavailable';
    await time.advance(4_000);
    assert.ok(a.leading, 'still leading after 4 s without renewals');
    a.api.mode = 'ok';
    await time.advance(2_000);
    a.api.mode = 'unavailable';
    await time.advance(TIMINGS.renewDeadlineMs + TIMINGS.retryPeriodMs);
    assert.ok((await a.done) instanceof LeaderElectionLostError);
    assert.equal(a.leading, false);
  });

  it('two candidates racing for an absent or an expired lease: exactly one wins (optimistic concurrency)', async () => {
    const time = new ManualTime();
    const store = new FakeLeaseStore();
    const counter = new Leading();
    const a = candidate(store, time, 'a', counter);
    const b = candidate(store, time, 'b', counter);
    await flush();
    assert.equal([a, b].filter((c) => c.leading).length, 1, 'one create wins, the other gets AlreadyExists');
    const [winner, loser] = a.leading ? [a, b] : [b, a];
    winner.api.mode = 'hang';
    const c = candidate(store, time, 'c', counter, () => 0.5);
    // loser and c poll with the same jitter and race for the expired lease.
    await time.until(() => loser.leading || c.leading, 20_000);
    await time.advance(3_000);
    assert.equal([loser, c].filter((x) => x.leading).length, 1, 'one update wins, the other gets Conflict');
    assert.equal(counter.max, 1);
    for (const x of [a, b, c]) x.ac.abort();
    await Promise.all([a.done, b.done, c.done]);
  });

  it('work that fails rejects run() with its error and releases the lease', async () => {
    const time = new ManualTime();
    const store = new FakeLeaseStore();
    const api = store.client();
    const elector = new LeaderElector({
      ...TIMINGS,
      lock: new LeaseLock(api, 'kube-system', 'kcm'),
      identity: 'x',
      log,
      time,
    });
    const ac = new AbortController();
    const outcome = elector
      .run(ac.signal, async () => {
        await time.sleep(1_500);
        throw new Error('controller crashed');
      })
      .then(
        () => 'returned',
        (e: unknown) => e,
      );
    await time.advance(3_000);
    assert.equal(((await outcome) as Error).message, 'controller crashed');
    assert.equal(store.peek('kube-system', 'kcm')?.spec.holderIdentity, '');
  });

  it('a standby cancelled while campaigning returns without touching the lease', async () => {
    const time = new ManualTime();
    const store = new FakeLeaseStore();
    const a = candidate(store, time, 'a');
    await flush();
    const b = candidate(store, time, 'b');
    await time.advance(2_500);
    const writes = store.writes;
    b.ac.abort();
    assert.equal(await b.done, 'returned');
    await flush();
    assert.equal(store.writes, writes);
    assert.equal(lease(store).spec.holderIdentity, 'a');
    a.ac.abort();
    await a.done;
  });

  it('validates the timings as client-go does', () => {
    assert.throws(
      () => validateTimings({ leaseDurationMs: 6_000, renewDeadlineMs: 6_000, retryPeriodMs: 1_000 }),
      /leaseDuration must be greater than renewDeadline/,
    );
    assert.throws(
      () => validateTimings({ leaseDurationMs: 8_000, renewDeadlineMs: 1_100, retryPeriodMs: 1_000 }),
      /renewDeadline must be greater than retryPeriod\*1.2/,
    );
    assert.throws(
      () => validateTimings({ leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 0 }),
      /retryPeriod must be greater than zero/,
    );
  });
});
