/**
 * Runs the enabled rows of the controller table (table.ts) on shared informers, one work queue
 * each, until the signal aborts (main.ts builds one only in the holder of the leader election
 * Lease). Every controller runs the same way: wait for its caches, onSynced, then its workers.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from '@kubelab/api';
import { WorkQueue, waitForCacheSync, type ApiClient } from '@kubelab/client';
import { ApiEventRecorder } from '@kubelab/client/events';
import type { Controller } from './api.js';
import type { Config } from './config.js';
import { InformerFactory } from './informers.js';
import { STORAGE_SCALING_CONTROLLERS } from './storage-scaling.js';
import { WORKLOAD_CONTROLLERS, type ControllerEntry, type Wiring } from './table.js';

/** Every controller the manager knows, in start order. */
export const CONTROLLER_TABLE: readonly ControllerEntry[] = [...WORKLOAD_CONTROLLERS, ...STORAGE_SCALING_CONTROLLERS];

interface QueueRun {
  ctrl: Controller;
  queue: WorkQueue;
  workers: number;
}

export class ControllerManager {
  private readonly informers: InformerFactory;
  private readonly runs: QueueRun[] = [];

  constructor(
    client: ApiClient,
    cfg: Config,
    private readonly log: Logger,
    clock: Clock = systemClock,
    table: readonly ControllerEntry[] = CONTROLLER_TABLE,
  ) {
    this.informers = new InformerFactory(client, log);
    const recorder = (component: string): ApiEventRecorder =>
      new ApiEventRecorder(client, { component, clock, log: log.child({ recorder: component }) });
    const wiring: Wiring = { client, cfg, inf: this.informers, recorder, clock, log };
    for (const entry of table) {
      if (!cfg.controllers.has(entry.name)) continue;
      const queue = new WorkQueue();
      const ctrl = entry.make(wiring, queue);
      if (ctrl) this.runs.push({ ctrl, queue, workers: entry.workers });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = this.informers.start(signal);
    const runs: Promise<void>[] = [informers];
    for (const { ctrl, queue, workers } of this.runs) {
      runs.push(
        (async () => {
          if (!(await waitForCacheSync(ctrl.caches, signal))) return;
          this.log.info({ controller: ctrl.name, workers }, 'caches synced; starting workers');
          ctrl.onSynced?.();
          await queue.run(workers, (key) => ctrl.reconcile(key), signal, this.log.child({ controller: ctrl.name }));
        })(),
      );
    }
    await Promise.all(runs);
  }
}
