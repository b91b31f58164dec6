/** kubelab scheduler: binds unscheduled pods to nodes until SIGTERM. */
import { setMaxListeners } from 'node:events';
import { ApiClient, runMain } from '@kubelab/client';
import { loadConfig } from './config.js';
import { runScheduler } from './run.js';

runMain('scheduler', async (signal, log) => {
  const cfg = loadConfig();
  // Every worker and informer legitimately waits on this one signal.
  setMaxListeners(1000, signal);
  log.info({ apiserver: cfg.apiserver, schedulerName: cfg.schedulerName, workers: cfg.workers }, 'starting');
  const client = new ApiClient(cfg.apiserver);
  try {
    await runScheduler(client, cfg, log, signal);
  } finally {
    client.close();
  }
});
