import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ImageManager, ImagePullError } from './images.js';
import { FakeRuntime } from './runtime/fake.js';
import { ManualClock, silentLogger } from './testing/fakes.js';

async function pullError(p: Promise<unknown>): Promise<ImagePullError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ImagePullError) return err;
    throw err;
  }
  assert.fail('expected an ImagePullError');
}

describe('ImageManager: when to look again', () => {
  it('after ErrImagePull soon (half a base back-off), so ImagePullBackOff shows for the rest of the wait; the next pull at its end', async () => {
    const clock = new ManualClock();
    const runtime = new FakeRuntime({ cluster: 'c', node: 'n', network: 'net', clock });
    runtime.pullErrors.set('gone:1', 'manifest unknown');
    const images = new ImageManager(runtime, clock, { baseMs: 2_000, maxMs: 16_000 }, silentLogger());

    let e = await pullError(images.ensure('uid', 'gone:1', 'IfNotPresent'));
    assert.deepEqual([e.reason, e.retryInMs], ['ErrImagePull', 1_000]);
    clock.advance(1_000);
    e = await pullError(images.ensure('uid', 'gone:1', 'IfNotPresent'));
    assert.deepEqual(
      [e.reason, e.retryInMs, e.message],
      ['ImagePullBackOff', 1_000, 'Back-off pulling image "gone:1": ErrImagePull: manifest unknown'],
    );
    assert.equal(runtime.count('pull'), 1);
    clock.advance(1_000);
    e = await pullError(images.ensure('uid', 'gone:1', 'IfNotPresent'));
    assert.deepEqual(
      [e.reason, e.retryInMs],
      ['ErrImagePull', 1_000],
      'the back-off doubles to 4s; still looked at after 1s',
    );
    assert.equal(runtime.count('pull'), 2);
    clock.advance(1_000);
    e = await pullError(images.ensure('uid', 'gone:1', 'IfNotPresent'));
    assert.deepEqual([e.reason, e.retryInMs], ['ImagePullBackOff', 3_000]);

    runtime.registry.add('gone:1');
    clock.advance(3_000);
    assert.deepEqual(await images.ensure('uid', 'gone:1', 'IfNotPresent'), { imageId: 'sha256:gone:1', pulled: true });
  });

  it('a zero back-off retries at once', async () => {
    const clock = new ManualClock();
    const runtime = new FakeRuntime({ cluster: 'c', node: 'n', network: 'net', clock });
    const images = new ImageManager(runtime, clock, { baseMs: 0, maxMs: 0 }, silentLogger());
    const e = await pullError(images.ensure('uid', 'gone:1', 'IfNotPresent'));
    assert.deepEqual([e.reason, e.retryInMs], ['ErrImagePull', 0]);
    assert.equal((await pullError(images.ensure('uid', 'gone:1', 'IfNotPresent'))).reason, 'ErrImagePull');
  });
});
