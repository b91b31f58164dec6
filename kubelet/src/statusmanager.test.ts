import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Pod, PodStatus } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { KubeletApi } from './api.js';
import { StatusManager } from './statusmanager.js';
import { silentLogger } from './testing/fakes.js';

/** One pod's store with optimistic concurrency, as the apiserver does it: a stale version is a Conflict. */
class OnePodApi implements KubeletApi {
  rv = 10;
  pod: Pod;
  calls = { get: 0, updateStatus: 0, conflicts: 0 };
  constructor(pod: Pod) {
    this.pod = { ...pod, metadata: { ...pod.metadata, resourceVersion: String(this.rv) } };
  }
  async get<T extends KubeObject>(): Promise<T> {
    this.calls.get++;
    return structuredClone(this.pod) as unknown as T;
  }
  async updateStatus<T extends KubeObject>(_r: string, obj: T): Promise<T> {
    this.calls.updateStatus++;
    if (obj.metadata.resourceVersion !== this.pod.metadata.resourceVersion) {
      this.calls.conflicts++;
      throw new ApiError('Conflict', 'the object has been modified; please apply your changes to the latest version');
    }
    const status = (obj as unknown as Pod).status;
    this.pod = { ...this.pod, status, metadata: { ...this.pod.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.pod) as unknown as T;
  }
  create<T extends KubeObject>(): Promise<T> {
    throw new Error('not used');
  }
  update<T extends KubeObject>(): Promise<T> {
    throw new Error('not used');
  }
  delete<T extends KubeObject>(): Promise<T> {
    throw new Error('not used');
  }
}

const base: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'c', image: 'x' }] },
} as Pod;
const phase = (p: string) => (): PodStatus => ({ phase: p }) as PodStatus;

describe('StatusManager', () => {
  it('status changes in a row build on its own last write while the cache lags: no Conflict, no GET', async () => {
    const api = new OnePodApi(base);
    const sm = new StatusManager(api, silentLogger());
    const cached = structuredClone(api.pod); // the informer never catches up in this test
    assert.equal(await sm.sync(cached, phase('Pending')), true);
    assert.equal(await sm.sync(cached, phase('Running')), true);
    assert.equal(await sm.sync(cached, phase('Running')), false, 'written already');
    assert.equal(api.pod.status?.phase, 'Running');
    assert.deepEqual(api.calls, { get: 0, updateStatus: 2, conflicts: 0 });
  });

  it('a write by someone else is a Conflict: it re-reads the pod and writes on top of it', async () => {
    const api = new OnePodApi(base);
    const sm = new StatusManager(api, silentLogger());
    assert.equal(await sm.sync(structuredClone(api.pod), phase('Pending')), true);
    api.pod = { ...api.pod, metadata: { ...api.pod.metadata, resourceVersion: String(++api.rv) } }; // another writer
    const seen = structuredClone(api.pod);
    api.pod = { ...api.pod, metadata: { ...api.pod.metadata, resourceVersion: String(++api.rv) } }; // and again
    assert.equal(await sm.sync(seen, phase('Running')), true);
    assert.equal(api.pod.status?.phase, 'Running');
    assert.deepEqual(api.calls, { get: 1, updateStatus: 3, conflicts: 1 });
  });
});
