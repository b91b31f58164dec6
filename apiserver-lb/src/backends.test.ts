import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { BackendPool, type Checker, type Health } from './backends.js';

const log = pino({ level: 'silent' });

class FakeChecker implements Checker {
  readonly health = new Map<string, Exclude<Health, 'unknown'>>();
  readonly forgotten: string[] = [];
  check(address: string): Promise<Exclude<Health, 'unknown'>> {
    return Promise.resolve(this.health.get(address) ?? 'down');
  }
  forget(address: string): void {
    this.forgotten.push(address);
  }
}

describe('BackendPool', () => {
  it('round-robins over ready apiservers and puts the others after them', async () => {
    const dns = new Map([['apiserver', ['10.0.0.2', '10.0.0.3', '10.0.0.4']]]);
    const checker = new FakeChecker();
    checker.health.set('10.0.0.2', 'ready').set('10.0.0.3', 'unready').set('10.0.0.4', 'ready');
    const pool = new BackendPool(['apiserver'], async (n) => dns.get(n) ?? [], checker, log);
    await pool.refresh();
    assert.deepEqual(pool.candidates(), ['10.0.0.2', '10.0.0.4', '10.0.0.3']);
    assert.deepEqual(pool.candidates(), ['10.0.0.4', '10.0.0.2', '10.0.0.3']);
  });

  it('with no ready apiserver (etcd quorum lost) still sends connections to those that answer', async () => {
    const checker = new FakeChecker();
    checker.health.set('10.0.0.2', 'unready').set('10.0.0.3', 'down');
    const pool = new BackendPool(['apiserver'], async () => ['10.0.0.2', '10.0.0.3'], checker, log);
    await pool.refresh();
    assert.deepEqual(pool.candidates(), ['10.0.0.2', '10.0.0.3']);
  });

  it('follows the name: a stopped apiserver leaves it, a restarted one comes back on its new address', async () => {
    let addrs = ['10.0.0.2', '10.0.0.3'];
    const checker = new FakeChecker();
    for (const a of ['10.0.0.2', '10.0.0.3', '10.0.0.9']) checker.health.set(a, 'ready');
    const pool = new BackendPool(['apiserver'], async () => addrs, checker, log);
    await pool.refresh();
    addrs = ['10.0.0.3'];
    await pool.refresh();
    assert.deepEqual(pool.snapshot(), { '10.0.0.3': 'ready' });
    assert.deepEqual(checker.forgotten, ['10.0.0.2']);
    addrs = ['10.0.0.3', '10.0.0.9'];
    await pool.refresh();
    assert.deepEqual(Object.keys(pool.snapshot()).sort(), ['10.0.0.3', '10.0.0.9']);
  });

  it('keeps what it knows when the lookup fails, and a failed connection demotes a backend until checked again', async () => {
    let fail = false;
    const checker = new FakeChecker();
    checker.health.set('10.0.0.2', 'ready').set('10.0.0.3', 'ready');
    const pool = new BackendPool(
      ['apiserver'],
      async () => {
        if (fail) throw new Error('EAI_AGAIN');
        return ['10.0.0.2', '10.0.0.3'];
      },
      checker,
      log,
    );
    await pool.refresh();
    fail = true;
    await pool.refresh();
    assert.equal(Object.keys(pool.snapshot()).length, 2);
    pool.markDown('10.0.0.2');
    assert.deepEqual(pool.candidates(), ['10.0.0.3', '10.0.0.2']);
    await pool.refresh();
    assert.equal(pool.snapshot()['10.0.0.2'], 'ready');
  });
});
