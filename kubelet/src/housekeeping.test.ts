import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Housekeeper } from './housekeeping.js';
import { LABELS } from './runtime/runtime.js';
import { CLUSTER, harness, NODE } from './testing/harness.js';
import { makePod, silentLogger } from './testing/fakes.js';

function keeper(h: ReturnType<typeof harness>, enqueued: string[]): Housekeeper {
  return new Housekeeper({
    runtime: h.runtime,
    pods: h.pods,
    cluster: CLUSTER,
    node: NODE,
    enqueue: (uid) => enqueued.push(uid),
    log: silentLogger(),
    intervalMs: 30_000,
  });
}

describe('housekeeping', () => {
  it('hands orphans to the workers, which remove them; known pods are adopted untouched', async () => {
    const h = harness();
    const kept = await h.add(makePod('kept', NODE));
    const gone = await h.add(makePod('gone', NODE));
    await h.sync(kept);
    await h.sync(gone);
    h.api.remove('pods', 'default', 'gone');
    const keptIds = h.runtime.podContainers(kept.metadata.uid!).map((c) => c.id);

    const enqueued: string[] = [];
    const r = await keeper(h, enqueued).sweep();
    assert.deepEqual(r.orphanUids, [gone.metadata.uid]);
    assert.deepEqual(enqueued, [gone.metadata.uid]);
    for (const uid of enqueued) await h.workers.reconcile(uid);

    assert.equal(h.runtime.podContainers(gone.metadata.uid!).length, 0);
    assert.deepEqual(
      h.runtime.podContainers(kept.metadata.uid!).map((c) => c.id),
      keptIds,
    );
    assert.deepEqual(await keeper(h, []).sweep(), { orphanUids: [], removedUnlabelled: 0 });
  });

  it('does nothing before the pod cache has synced', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    await h.sync(pod);
    h.api.remove('pods', 'default', 'web');
    h.pods.synced = false;
    const enqueued: string[] = [];
    const r = await keeper(h, enqueued).sweep();
    assert.deepEqual(r.orphanUids, []);
    assert.equal(h.runtime.count('list'), 2, 'not even a look at the runtime');
  });

  it('removes our containers that carry no pod uid, and ignores other nodes and clusters', async () => {
    const h = harness();
    const junk = h.runtime.inject({ labels: { [LABELS.cluster]: CLUSTER, [LABELS.node]: NODE }, state: 'running' });
    const otherNode = h.runtime.inject({
      labels: { [LABELS.cluster]: CLUSTER, [LABELS.node]: 'node-2', [LABELS.podUid]: 'x' },
      state: 'running',
    });
    const otherCluster = h.runtime.inject({
      labels: { [LABELS.cluster]: 'other', [LABELS.node]: NODE, [LABELS.podUid]: 'y' },
      state: 'running',
    });
    const enqueued: string[] = [];
    const r = await keeper(h, enqueued).sweep();
    assert.equal(r.removedUnlabelled, 1);
    assert.deepEqual(enqueued, []);
    assert.equal(h.runtime.containers.has(junk.id), false);
    assert.equal(h.runtime.containers.has(otherNode.id), true);
    assert.equal(h.runtime.containers.has(otherCluster.id), true);
  });
});
