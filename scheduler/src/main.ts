/** kubelab scheduler: binds unscheduled pods to nodes until SIGTERM (the Lease holder only). */
import { setMaxListeners } from 'node:events';
import { ApiClient, credentialsFromEnv, leaderElectionConfig, runMain } from '@kubelab/client';
import { watchClockSkew } from '@kubelab/client/clock-skew';
import { loadConfig } from './config.js';
import { runScheduler } from './run.js';

runMain('scheduler', async (signal, log) => {
  const cfg = loadConfig();
  const election = leaderElectionConfig('kube-scheduler');
  // Every worker and informer legitimately waits on this one signal.
  setMaxListeners(1000, signal);
  log.info(
    {
      apiserver: cfg.apiserver,
      schedulerName: cfg.schedulerName,
      workers: cfg.workers,
      leaderElection: election.enabled
        ? { lease: `${election.namespace}/${election.name}`, identity: election.identity }
        : false,
    },
    'starting',
  );
  const client = new ApiClient(cfg.apiserver, { credentials: credentialsFromEnv() });
  try {
    // Skewed by `kubelab chaos clock-skew` (the events' and volume binding's times).
    const clock = watchClockSkew({ log: log.child({ part: 'clock' }), signal });
    await runScheduler(client, cfg, log, signal, election, clock);
  } finally {
    client.close();
  }
});
