import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makePod, ManualClock } from '../testing/fakes.js';
import { HOLLOW_EXIT_CODE_ANNOTATION, HollowRuntime, IpPool } from './hollow.js';

function rt(ips = new IpPool('10.200.0.0/24')): HollowRuntime {
  return new HollowRuntime({
    cluster: 'c',
    node: 'n',
    network: 'net',
    clock: new ManualClock(),
    pauseImage: 'pause:x',
    ips,
  });
}

describe('IpPool', () => {
  it('skips network, gateway and broadcast, never hands out an address twice, reuses released ones', () => {
    const pool = new IpPool('10.0.0.0/30');
    assert.equal(pool.allocate(), '10.0.0.2');
    assert.throws(() => pool.allocate(), /exhausted/);
    pool.release('10.0.0.2');
    assert.equal(pool.allocate(), '10.0.0.2');
    const big = new IpPool('10.1.2.3/16');
    assert.equal(big.allocate(), '10.1.0.2');
    assert.equal(big.allocate(), '10.1.0.3');
    assert.throws(() => new IpPool('10.0.0.0/31'), /KUBELAB_HOLLOW_POD_RANGE: Invalid value/);
    assert.throws(() => new IpPool('nonsense'), /IPv4 CIDR/);
  });
});

describe('HollowRuntime', () => {
  it('has every image, starts at once, gives sandboxes pool addresses and returns them on removal', async () => {
    const pool = new IpPool('10.200.0.0/24');
    const r = rt(pool);
    const pod = makePod('a', 'n', { containers: [{ name: 'web', image: 'nowhere/none:1' }] });
    assert.equal((await r.ensureImage('nowhere/none:1', 'Always')).pulled, true);
    const sb = await r.createPause(pod);
    assert.equal(sb.ip, '10.200.0.2');
    assert.equal((await r.inspect(sb.id))?.networks.net, '10.200.0.2');
    const id = await r.createContainer(pod, pod.spec.containers[0]!, sb.id, 0);
    await r.start(id);
    assert.equal((await r.inspect(id))?.state, 'running');
    assert.equal(r.calls.length, 0, 'no call log kept');
    assert.equal(r.createOptions.size, 0, 'no create options kept');
    await r.stop(id, 30);
    assert.equal((await r.inspect(id))?.exitCode, 0);
    assert.equal(pool.inUse, 1);
    await r.remove(sb.id);
    assert.equal(pool.inUse, 0);
    assert.equal((await r.info()).name, 'hollow');
  });

  it('ends app containers with the exit code the pod annotation asks for, right after start', async () => {
    const r = rt();
    const pod = makePod('job', 'n', {}, { annotations: { [HOLLOW_EXIT_CODE_ANNOTATION]: '3' } });
    const sb = await r.createPause(pod);
    const id = await r.createContainer(pod, pod.spec.containers[0]!, sb.id, 0);
    await r.start(id);
    const c = await r.inspect(id);
    assert.equal(c?.state, 'exited');
    assert.equal(c?.exitCode, 3);
    assert.equal((await r.inspect(sb.id))?.state, 'running', 'the sandbox keeps running');
  });
});
