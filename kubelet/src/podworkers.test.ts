import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, conflict } from '@kubelab/proto';
import type { KubeObject, Pod } from '@kubelab/api';
import { SANDBOX_NAME } from './runtime/runtime.js';
import { harness, NODE } from './testing/harness.js';
import { makePod } from './testing/fakes.js';

/** Lets queued promise callbacks and immediates run, until cond holds (no timers involved). */
async function until(cond: () => boolean, rounds = 500): Promise<void> {
  for (let i = 0; i < rounds && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
}

describe('pod deletion', () => {
  it('stops app containers with the grace period, removes everything, then deletes the pod with grace 0', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          { name: 'a', image: 'img:1' },
          { name: 'b', image: 'img:1' },
        ],
      }),
    );
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    assert.equal(h.runtime.containers.size, 3);
    await h.deleteGracefully(pod, 7);
    await h.sync(pod);
    assert.equal(h.runtime.count('stop:7'), 2, 'each app container stopped with the pod grace period');
    assert.deepEqual(
      h.events.lines().filter((l) => l.includes('Killing')),
      ['Normal Killing Stopping container a', 'Normal Killing Stopping container b'],
    );
    assert.equal(h.runtime.podContainers(uid).length, 0, 'all containers including the sandbox are gone');
    const del = h.api.calls.find((c) => c.verb === 'delete' && c.resource === 'pods');
    assert.deepEqual(del?.options, { gracePeriodSeconds: 0, preconditionUid: uid });
    assert.equal(h.get(pod), undefined);
  });

  it('uses spec.terminationGracePeriodSeconds when the deletion carries none', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE, { terminationGracePeriodSeconds: 3 }));
    await h.sync(pod);
    await h.deleteGracefully(pod);
    await h.sync(pod);
    assert.equal(h.runtime.count('stop:3'), 1);
  });

  it('a pod already gone, or replaced by a namesake, is not an error', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    await h.sync(pod);
    await h.deleteGracefully(pod, 1);
    h.api.fail('delete', new ApiError('NotFound', 'pods "web" not found'));
    await h.sync(pod);
    assert.equal(h.runtime.containers.size, 0);
  });

  it('an unavailable apiserver makes the deletion fail (to be retried), with containers already gone', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    await h.sync(pod);
    await h.deleteGracefully(pod, 1);
    h.api.fail('delete', new ApiError('ServiceUnavailable', 'etcd is down'));
    await assert.rejects(h.sync(pod), /etcd is down/);
    assert.equal(h.runtime.containers.size, 0);
    await h.sync(pod);
    assert.equal(h.get(pod), undefined);
  });

  it('containers of a pod that vanished from the apiserver are killed with the orphan grace', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    h.api.remove('pods', 'default', 'web');
    await h.sync(pod);
    assert.equal(h.runtime.count('stop:2'), 1);
    assert.equal(h.runtime.podContainers(uid).length, 0);
    assert.equal(h.api.count('delete'), 0);
  });

  it('kills nothing while the pod cache has not synced', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    await h.sync(pod);
    h.api.remove('pods', 'default', 'web');
    h.pods.synced = false;
    await assert.rejects(h.sync(pod), /not synced/);
    assert.equal(h.runtime.containers.size, 2);
  });
});

describe('status writes', () => {
  it('a Conflict re-reads the pod and writes again', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    h.api.fail('updateStatus', conflict('pods', 'web'));
    await h.sync(pod);
    assert.equal(h.api.count('updateStatus'), 2);
    assert.equal(h.api.count('get', 'pods'), 1);
    assert.equal(h.get(pod)?.status?.phase, 'Running');
  });

  it('does not write the same status again while the cache still shows the old version', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    const stale = h.get(pod)!;
    const compute = (p: Pod) => ({ ...p.status, phase: 'Running' as const });
    assert.equal(await h.status.sync(stale, compute), true);
    assert.equal(await h.status.sync(stale, compute), false, 'stale cache copy, same status: skipped');
    assert.equal(await h.status.sync(h.get(pod)!, compute), false, 'fresh copy already has it');
    assert.equal(h.api.count('updateStatus'), 1);
  });

  it('does not loop when the apiserver stores the status slightly differently', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    const normalising = h.api.updateStatus.bind(h.api);
    h.api.updateStatus = async <T extends KubeObject>(resource: string, obj: T): Promise<T> => {
      const copy = structuredClone(obj) as unknown as Pod;
      for (const cs of copy.status?.containerStatuses ?? []) delete (cs as { started?: boolean }).started;
      return normalising(resource, copy) as unknown as Promise<T>;
    };
    await h.sync(pod);
    const writes = h.api.count('updateStatus');
    await h.sync(pod);
    await h.sync(pod);
    assert.equal(h.api.count('updateStatus'), writes);
  });

  it('a failed status write keeps the sync that a crash-loop back-off asked for', async () => {
    const h = harness({ crashBaseMs: 10_000 });
    const pod = await h.add(makePod('web', NODE));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    h.runtime.exit(h.runtime.podContainers(uid, 'app')[0]!.id, 1);
    await h.sync(pod); // the first restart
    h.runtime.exit(h.runtime.podContainers(uid, 'app').find((c) => c.state === 'running')!.id, 1);
    h.api.fail('updateStatus', new ApiError('ServiceUnavailable', 'apiserver away'));
    await assert.rejects(h.sync(pod), /apiserver away/);
    const inMs = h.workers.scheduledIn(uid);
    assert.ok(
      inMs !== undefined && inMs > 0 && inMs <= 10_000,
      `the restart after the back-off is still scheduled (${inMs} ms)`,
    );
  });

  it('other errors propagate so the queue retries with back-off', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    h.api.fail('updateStatus', new ApiError('ServiceUnavailable', 'apiserver restarting'));
    await assert.rejects(h.sync(pod), /apiserver restarting/);
    await h.sync(pod);
    assert.equal(h.get(pod)?.status?.phase, 'Running');
    assert.equal(h.runtime.count('createPause'), 1, 'the retry does not duplicate anything');
  });
});

describe('pod workers loop', () => {
  it('a container death reported by the runtime triggers an immediate resync', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    const uid = pod.metadata.uid!;
    const ac = new AbortController();
    const done = h.workers.run(ac.signal);
    try {
      await until(() => h.runtime.podContainers(uid, 'app').some((c) => c.state === 'running'));
      const first = h.runtime.podContainers(uid, 'app')[0]!;
      h.runtime.exit(first.id, 1);
      await until(() => h.runtime.podContainers(uid, 'app').some((c) => c.state === 'running' && c.restartCount === 1));
      await until(() => h.get(pod)?.status?.containerStatuses?.[0]?.restartCount === 1);
      assert.equal(h.runtime.podContainers(uid, SANDBOX_NAME).length, 1);
    } finally {
      ac.abort();
      await done;
    }
    assert.equal(h.runtime.containers.size, 3, 'stopping the kubelet leaves the containers alone');
    assert.equal(h.runtime.count('stop'), 0);
  });
});

describe('which pod updates start a sync', () => {
  it('a status-only update does not; spec, labels or deletion do', async () => {
    const { statusOnlyChange } = await import('./podworkers.js');
    const base = makePod('web', NODE, { containers: [{ name: 'app', image: 'kubelab/echo:1' }] });
    const withStatus: Pod = {
      ...base,
      metadata: { ...base.metadata, resourceVersion: '9', managedFields: [] },
      status: { phase: 'Running' },
    };
    assert.equal(statusOnlyChange(base, withStatus), true);
    assert.equal(statusOnlyChange(base, { ...base, metadata: { ...base.metadata, labels: { a: 'b' } } }), false);
    assert.equal(
      statusOnlyChange(base, { ...base, metadata: { ...base.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }),
      false,
    );
    assert.equal(statusOnlyChange(base, { ...base, spec: { ...base.spec, activeDeadlineSeconds: 5 } }), false);
  });
});
