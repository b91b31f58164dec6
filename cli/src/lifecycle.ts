/**
 * `stop` and `start`: the lab's containers stopped and started again, nothing removed (etcd's
 * data, the PKI, the pods' containers all stay), so every object is kept. `start` starts the pod
 * containers `stop` found running before the kubelets come back, which adopt them
 * (pod-adoption.ts); a pod whose sandbox will not start gets a new one from its kubelet.
 */
import { runCompose, type ComposeTarget } from './compose.js';
import { run } from './exec.js';
import type { LabDocker } from './docker.js';
import { CLUSTER_LABEL, COMPONENT_LABEL, COMPOSE_PROJECT_LABEL } from './labels.js';
import { since, type Log } from './output.js';
import { ALL_PROFILES_ARGS } from './ha.js';
import { recordRunningPods, restartRecordedPods } from './pod-adoption.js';

/** Where stop writes down the running pods (and the lab's network, for their addresses). */
export interface PodsRecord {
  file: string;
  network: string;
}

async function docker(verb: 'stop' | 'start', ids: string[], log: Log): Promise<void> {
  if (ids.length === 0) return;
  const r = await run('docker', [verb, ...(verb === 'stop' ? ['-t', '2'] : []), ...ids], { timeoutMs: 120_000 });
  if (r.code !== 0) log(`docker ${verb} exited with code ${r.code}: ${r.stderr.trim()}`);
}

/** Kubelets first (they would start their pods again), then compose's services, then the pods. */
export async function stopLab(
  d: LabDocker,
  target: ComposeTarget,
  cluster: string,
  log: Log,
  pods?: PodsRecord,
): Promise<void> {
  const t0 = Date.now();
  if (pods) {
    // Best effort: without the record, start leaves the pods to their kubelets (new sandboxes).
    await recordRunningPods(d, cluster, pods.network, pods.file).catch((err: Error) =>
      log(`could not write down the running pods (${err.message}): start will give them new sandboxes`),
    );
  }
  const all = await d.containers([`${CLUSTER_LABEL}=${cluster}`]);
  await docker(
    'stop',
    all.filter((c) => c.labels[COMPONENT_LABEL] === 'kubelet').map((c) => c.id),
    log,
  );
  const r = await runCompose(target, [...ALL_PROFILES_ARGS, 'stop', '--timeout', '2'], {
    onLine: (l) => l.trim() && log(`  ${l}`),
  });
  if (r.code !== 0) throw new Error(`compose stop failed (exit code ${r.code})`);
  await docker(
    'stop',
    all.filter((c) => !(COMPOSE_PROJECT_LABEL in c.labels) && c.labels[COMPONENT_LABEL] !== 'kubelet').map((c) => c.id),
    log,
  );
  log(`lab ${target.project} is stopped (${since(t0)}); ./kubelab start brings it back with everything in it`);
}

/** The pods stop left running, compose's services (etcd first, by their order), then the nodes joined outside compose. */
export async function startLab(
  d: LabDocker,
  target: ComposeTarget,
  cluster: string,
  log: Log,
  pods?: PodsRecord,
): Promise<void> {
  const all = await d.containers([`${CLUSTER_LABEL}=${cluster}`]);
  if (!all.some((c) => COMPOSE_PROJECT_LABEL in c.labels))
    throw new Error(`lab ${target.project} has no containers: ./kubelab up makes it`);
  if (pods) await restartRecordedPods(d, cluster, pods.file, log);
  const r = await runCompose(target, [...ALL_PROFILES_ARGS, 'start'], { onLine: (l) => l.trim() && log(`  ${l}`) });
  if (r.code !== 0) throw new Error(`compose start failed (exit code ${r.code})`);
  await docker(
    'start',
    all.filter((c) => c.labels[COMPONENT_LABEL] === 'kubelet' && !(COMPOSE_PROJECT_LABEL in c.labels)).map((c) => c.id),
    log,
  );
}
