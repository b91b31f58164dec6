/**
 * kubelab controller-manager: runs the controllers against the apiserver until SIGTERM. With
 * leader election (the default) a standby holds no informers and runs no controller: only the
 * holder of the kube-system/kube-controller-manager Lease builds and runs them (upstream's cold
 * standby); losing the lease rejects, and the process exits (crash-only).
 */
import { setMaxListeners } from 'node:events';
import { ApiClient, credentialsFromEnv, createLeaderElector, leaderElectionConfig, runMain } from '@kubelab/client';
import { watchClockSkew } from '@kubelab/client/clock-skew';
import { ApiEventRecorder } from '@kubelab/client/events';
import { loadConfig } from './config.js';
import { ControllerManager } from './manager.js';

runMain('controller-manager', async (signal, log) => {
  const cfg = loadConfig();
  const election = leaderElectionConfig('kube-controller-manager');
  // Every worker and informer legitimately waits on this one signal.
  setMaxListeners(1000, signal);
  log.info(
    {
      apiserver: cfg.apiserver,
      controllers: [...cfg.controllers],
      nodeGraceSeconds: cfg.nodeGraceSeconds,
      podEvictionSeconds: cfg.podEvictionSeconds,
      leaderElection: election.enabled
        ? { lease: `${election.namespace}/${election.name}`, identity: election.identity }
        : false,
    },
    'starting',
  );
  // The controllers' clock (timestamps, deadlines), skewed by `kubelab chaos clock-skew`.
  const clock = watchClockSkew({ log: log.child({ part: 'clock' }), signal });
  const client = new ApiClient(cfg.apiserver, { credentials: credentialsFromEnv() });
  try {
    if (!election.enabled) return await new ControllerManager(client, cfg, log, clock).run(signal);
    const recorder = new ApiEventRecorder(client, {
      component: 'kube-controller-manager',
      clock,
      log: log.child({ recorder: 'leaderelection' }),
    });
    const elector = createLeaderElector(election, {
      api: client,
      log: log.child({ part: 'leaderelection' }),
      recorder,
    });
    await elector.run(signal, (leading) => new ControllerManager(client, cfg, log, clock).run(leading));
  } finally {
    client.close();
  }
});
