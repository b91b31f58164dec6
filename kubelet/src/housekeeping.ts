/**
 * Housekeeping: at start and every interval, find this node's containers whose pod is not bound
 * here any more (only once the pod cache has synced) and hand their uids to the pod workers,
 * which remove them; containers of known pods are adopted by the ordinary sync. Containers with
 * our cluster and node labels but no pod uid cannot belong to anything and are removed here.
 */
import type { Logger } from 'pino';
import { sleep, waitForCacheSync } from '@kubelab/client';
import { errMessage, type PodSource } from './api.js';
import { LABELS, type ContainerRuntime } from './runtime/runtime.js';

export interface HousekeeperOptions {
  runtime: ContainerRuntime;
  pods: PodSource;
  cluster: string;
  node: string;
  /** Hands a pod uid to the pod workers. */
  enqueue(uid: string): void;
  /** Extra periodic chores (back-off GC). */
  tidy?(): void;
  log: Logger;
  intervalMs: number;
}

export interface SweepResult {
  orphanUids: string[];
  removedUnlabelled: number;
}

export class Housekeeper {
  private readonly log: Logger;

  constructor(private readonly o: HousekeeperOptions) {
    this.log = o.log.child({ part: 'housekeeping' });
  }

  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { orphanUids: [], removedUnlabelled: 0 };
    if (!this.o.pods.hasSynced()) return result;
    const all = await this.o.runtime.listPodContainers({
      [LABELS.cluster]: this.o.cluster,
      [LABELS.node]: this.o.node,
    });
    const known = new Set(this.o.pods.list().map((p) => p.metadata.uid));
    const orphans = new Set<string>();
    for (const c of all) {
      if (!c.podUid) {
        this.log.info({ id: c.id.slice(0, 12), name: c.name }, 'removing a container without a pod uid label');
        await this.o.runtime.remove(c.id);
        result.removedUnlabelled++;
      } else if (!known.has(c.podUid)) {
        orphans.add(c.podUid);
      }
    }
    for (const uid of orphans) {
      this.log.info({ uid }, 'containers of an unknown pod; cleaning up');
      this.o.enqueue(uid);
    }
    result.orphanUids = [...orphans];
    this.o.tidy?.();
    return result;
  }

  async run(signal: AbortSignal): Promise<void> {
    await waitForCacheSync([this.o.pods], signal);
    while (!signal.aborted) {
      try {
        await this.sweep();
      } catch (err) {
        this.log.warn({ err: errMessage(err) }, 'housekeeping failed');
      }
      await sleep(this.o.intervalMs, signal);
    }
  }
}
