/** kubelab controller-manager: runs the controllers against the apiserver until SIGTERM. */
import { setMaxListeners } from 'node:events';
import { ApiClient, runMain } from '@kubelab/client';
import { loadConfig } from './config.js';
import { ControllerManager } from './manager.js';

runMain('controller-manager', async (signal, log) => {
  const cfg = loadConfig();
  // Every worker and informer legitimately waits on this one signal.
  setMaxListeners(1000, signal);
  log.info({ apiserver: cfg.apiserver, controllers: [...cfg.controllers], nodeGraceSeconds: cfg.nodeGraceSeconds, podEvictionSeconds: cfg.podEvictionSeconds }, 'starting');
  const client = new ApiClient(cfg.apiserver);
  try {
    await new ControllerManager(client, cfg, log).run(signal);
  } finally {
    client.close();
  }
});
