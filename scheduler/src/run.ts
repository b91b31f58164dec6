/**
 * Wires the scheduler to informers, a work queue and an event recorder and runs it until the
 * signal aborts. With leader election (the default) every replica keeps its informers warm, as
 * upstream's kube-scheduler does, but only the holder of the kube-system/kube-scheduler Lease
 * runs the workers that bind pods; losing the lease rejects (the process exits, crash-only).
 */
import type { Logger } from 'pino';
import {
  systemClock,
  type Clock,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type StorageClass,
} from '@kubelab/api';
import {
  createLeaderElector,
  Informer,
  WorkQueue,
  waitForCacheSync,
  type ApiClient,
  type LeaderElectionConfig,
} from '@kubelab/client';
import { ApiEventRecorder } from '@kubelab/client/events';
import type { Config } from './config.js';
import { Scheduler } from './scheduler.js';
import { VolumeBinder } from './volumebinder.js';

export async function runScheduler(
  client: ApiClient,
  cfg: Config,
  log: Logger,
  signal: AbortSignal,
  election?: LeaderElectionConfig,
  clock: Clock = systemClock,
): Promise<void> {
  const pods = new Informer<Pod>(client, 'pods', {}, log.child({ informer: 'pods' }));
  const nodes = new Informer<Node>(client, 'nodes', {}, log.child({ informer: 'nodes' }));
  const claims = new Informer<PersistentVolumeClaim>(
    client,
    'persistentvolumeclaims',
    {},
    log.child({ informer: 'persistentvolumeclaims' }),
  );
  const volumes = new Informer<PersistentVolume>(
    client,
    'persistentvolumes',
    {},
    log.child({ informer: 'persistentvolumes' }),
  );
  const classes = new Informer<StorageClass>(client, 'storageclasses', {}, log.child({ informer: 'storageclasses' }));
  const queue = new WorkQueue({ baseDelayMs: 1000, maxDelayMs: 10_000 });
  const recorder = new ApiEventRecorder(client, {
    component: cfg.schedulerName,
    clock,
    log: log.child({ recorder: cfg.schedulerName }),
  });
  const binder = new VolumeBinder({
    api: client,
    claims,
    volumes,
    classes,
    nodes,
    clock,
    log: log.child({ plugin: 'VolumeBinding' }),
  });
  const scheduler = new Scheduler({
    api: client,
    pods,
    nodes,
    queue,
    recorder,
    clock,
    log,
    schedulerName: cfg.schedulerName,
    volumes: binder,
    bindsInFlight: cfg.bindsInFlight,
    bindsPerCall: cfg.bindsPerCall,
  });
  const all = [pods, nodes, claims, volumes, classes];
  const informers = Promise.all(all.map((i) => i.run(signal)));
  if (await waitForCacheSync(all, signal)) {
    const schedule = async (until: AbortSignal): Promise<void> => {
      log.info({ workers: cfg.workers }, 'caches synced; scheduling');
      await queue.run(cfg.workers, (key) => scheduler.reconcile(key), until, log);
    };
    if (election?.enabled) {
      const elector = createLeaderElector(election, {
        api: client,
        log: log.child({ part: 'leaderelection' }),
        recorder,
      });
      await elector.run(signal, schedule);
    } else {
      await schedule(signal);
    }
  }
  await informers;
  await recorder.flush();
}
