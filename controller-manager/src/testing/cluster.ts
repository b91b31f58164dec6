/**
 * A control plane for controller tests: the in-process apiserver, one FakeCache per resource, the
 * Deployment and ReplicaSet controllers on manual queues, and a "kubelet" step.
 */
import type { Deployment, Pod, ReplicaSet } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { DeploymentController } from '../controllers/deployment.js';
import { ReplicaSetController } from '../controllers/replicaset.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { makePodsReady, silentLog } from './fixtures.js';

export class FakeCluster {
  readonly api = new InProcessApi();
  readonly deployments = new FakeCache<Deployment>(this.api, 'deployments');
  readonly replicasets = new FakeCache<ReplicaSet>(this.api, 'replicasets');
  readonly pods = new FakeCache<Pod>(this.api, 'pods');
  readonly recorder = new MemoryEventRecorder();
  readonly dq = new ManualQueue();
  readonly rq = new ManualQueue();
  readonly dc: DeploymentController;
  readonly rc: ReplicaSetController;
  /** Called after every reconcile (invariant checks). */
  after: (() => void) | undefined;

  constructor() {
    const common = { api: this.api, recorder: this.recorder, clock: this.api.clock, log: silentLog };
    this.dc = new DeploymentController({
      ...common,
      deployments: this.deployments,
      replicasets: this.replicasets,
      pods: this.pods,
      queue: this.dq,
    });
    this.rc = new ReplicaSetController({ ...common, replicasets: this.replicasets, pods: this.pods, queue: this.rq });
  }

  settle(): Promise<number> {
    return drain(
      [
        { ctrl: this.dc, queue: this.dq },
        { ctrl: this.rc, queue: this.rq },
      ],
      { after: () => this.after?.() },
    );
  }

  /** Settles, makes up to `maxReady` pods ready, and repeats until nothing changes. */
  async run(maxReady = Infinity, rounds = 100): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await this.settle();
      let budget = maxReady;
      const n = await makePodsReady(this.api, () => budget-- > 0);
      if (n === 0) {
        await this.settle();
        return;
      }
    }
    throw new Error('cluster did not settle');
  }

  deployment(name = 'web'): Deployment {
    return this.api.peek<Deployment>('deployments', 'default', name)!;
  }

  replicaSetsOf(name = 'web'): ReplicaSet[] {
    const d = this.deployment(name);
    return this.api
      .objects<ReplicaSet>('replicasets', 'default')
      .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid));
  }

  activePods(): Pod[] {
    return this.api.objects<Pod>('pods').filter((p) => !p.metadata.deletionTimestamp);
  }

  /** Edits a deployment's spec (like kubectl set image / scale). */
  async edit(name: string, change: (d: Deployment) => void): Promise<void> {
    const d = this.deployment(name);
    change(d);
    await this.api.update('deployments', d);
  }
}
