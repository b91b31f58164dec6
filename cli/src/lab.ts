/**
 * The lab as a library, used by the `kubelab` command and by the end-to-end tests: bring a lab up
 * (build, images, compose, wait for Ready nodes, kubeconfig), take it down (by label, leaving
 * nothing), run compose on it, join a node, print its status, build its images.
 */
import { existsSync } from 'node:fs';
import { realpath, rm } from 'node:fs/promises';
import { devNull } from 'node:os';
import { labComposeEnvPath, writeComposeEnv } from './compose-env.js';
import { startLab, stopLab } from './lifecycle.js';
import { stoppedPodsFile } from './pod-adoption.js';
import { dirname } from 'node:path';
import { dockerState, preflight, removeContainers, sweepLab, type LabScope } from './cleanup.js';
import { runCompose, type ComposeTarget } from './compose.js';
import { diagnose } from './diagnose.js';
import { DockerodeLab, type LabDocker } from './docker.js';
import { type RunOptions, type RunResult } from './exec.js';
import { DockerCliBuilder } from './images/builder.js';
import { buildImages, type BuiltImage } from './images/build.js';
import { chooseSource, imageEnv, imageTag, knownSource } from './images/source.js';
import { ALL_PROFILES_ARGS, profileArgs, runsHa, waitForEtcdMembers } from './ha.js';
import { joinNode, type JoinResult } from './join.js';
import { waitForJoin } from './join-wait.js';
import type { NodeAddSpec } from './node-options.js';
import {
  KubeconfigConflict,
  kubeconfigName,
  labKubeconfig,
  mergeKubeconfig,
  removeFromKubeconfig,
} from './kubeconfig.js';
import { readPki } from '@kubelab/client/pki';
import { ensureClusterPki } from '@kubelab/client/component-pki';
import type { ApiAccess } from './api-get.js';
import {
  labKubeconfigPath,
  labPkiDir,
  readIfExists,
  userKubeconfigPath,
  withFileLock,
  writePrivate,
} from './kubeconfig-file.js';
import type { KubeconfigTarget } from './kubeconfig.js';
import { CLUSTER_LABEL, COMPONENT_LABEL, COMPOSE_PROJECT_LABEL } from './labels.js';
import { waitForApiserver, waitForNodes } from './nodes.js';
import { consoleLog, since, type Log } from './output.js';
import { ensureDocker, ensureNpmBuild } from './prepare.js';
import { chooseIngressPorts } from './ingress-ports.js';
import { labSettings, type LabInput, type LabSettings } from './settings.js';
import { printStatus } from './status.js';

export type { LabInput, LabSettings } from './settings.js';
export type { RunResult } from './exec.js';
export type { Log } from './output.js';
export type { ApiAccess } from './api-get.js';
export { apiGet } from './api-get.js';

export interface LabOptions extends LabInput {
  log?: Log;
  /** Defaults to the engine at DOCKER_HOST or /var/run/docker.sock. */
  docker?: LabDocker;
}

export interface LabUpOptions extends LabOptions {
  /** npm dependencies and `tsc -b` when stale (default true). */
  build?: boolean;
  /** Run scripts/ensure-docker.sh first (default true). */
  ensureDocker?: boolean;
  /** Upsert the lab's context into $KUBECONFIG's first file or ~/.kube/config (default true). */
  mergeKubeconfig?: boolean;
  /** For the whole of `up`, image builds included (default 10 minutes). */
  timeoutMs?: number;
}

export interface LabUpResult {
  project: string;
  /** The context's name in the kubeconfigs. */
  context: string;
  /** The lab's own kubeconfig file. */
  kubeconfig: string;
  /** The user kubeconfig the context was merged into, if any. */
  mergedInto?: string;
  apiUrl: string;
  nodes: string[];
  seconds: number;
  ha: boolean;
}

const scopeOf = (s: LabSettings): LabScope => ({
  project: s.project,
  cluster: s.cluster,
  network: s.network,
  subnet: s.subnet,
});

async function composeTarget(s: LabSettings, docker: LabDocker): Promise<ComposeTarget> {
  const source = (await knownSource(s.env, docker)) ?? 'offline';
  const own = labComposeEnvPath(s.root, s.project);
  return {
    composeFile: s.composeFile,
    project: s.project,
    envFile: existsSync(own) ? own : devNull,
    env: { ...s.env, ...imageEnv(source, s.env) },
  };
}

/** Runs `compose <args>` on a lab (its compose file, project name and environment). */
export async function compose(target: LabOptions, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const s = labSettings(target);
  return runCompose(await composeTarget(s, target.docker ?? new DockerodeLab()), args, opts);
}

/** Builds the lab's images where their inputs changed. */
export async function labImages(o: LabOptions & { force?: boolean } = {}): Promise<BuiltImage[]> {
  const s = labSettings(o);
  const log = o.log ?? consoleLog;
  const docker = o.docker ?? new DockerodeLab();
  const builder = new DockerCliBuilder(s.env);
  const source = await chooseSource(s.env, docker, (image, ms) => builder.pull(image, ms), log);
  return buildImages({ root: s.root, source, docker, builder, log, force: o.force, tag: imageTag(s.env) });
}

async function removeLeftovers(docker: LabDocker, s: LabSettings, log: Log): Promise<void> {
  const pre = preflight(scopeOf(s), await dockerState(docker, scopeOf(s)));
  if (pre.errors.length > 0) throw new Error(pre.errors.join('\n'));
  if (pre.removeContainers.length + pre.removeNetworks.length === 0) return;
  log(
    `removing what an earlier run of ${s.project} left behind: ${pre.removeContainers.length} container(s), ${pre.removeNetworks.length} network(s)`,
  );
  await removeContainers(docker, pre.removeContainers);
  for (const n of pre.removeNetworks) await docker.removeNetwork(n.id);
}

async function withDiagnosis<T>(docker: LabDocker, s: LabSettings, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    const details = await diagnose(docker, s.cluster);
    if (details && err instanceof Error) err.message += `\n${details}`;
    throw err;
  }
}

/** The user's kubeconfig it went into; undefined (and why, logged) when a same-named entry is someone else's. */
export async function mergeIntoUserKubeconfig(
  s: LabSettings,
  entry: KubeconfigTarget,
  log: Log = consoleLog,
): Promise<string | undefined> {
  let path = userKubeconfigPath(s.env);
  path = await realpath(path).catch(() => path);
  try {
    await withFileLock(path, async () => writePrivate(path, mergeKubeconfig(await readIfExists(path), entry, path)));
    return path;
  } catch (err) {
    if (!(err instanceof KubeconfigConflict)) throw err;
    log(err.message);
    return undefined;
  }
}

export const kubeconfigEntry = (s: LabSettings, api: { caCert: string; token: string }): KubeconfigTarget => ({
  name: kubeconfigName(s.project),
  server: s.apiUrl,
  caCert: api.caCert,
  token: api.token,
});

export async function labUp(o: LabUpOptions): Promise<LabUpResult> {
  const t0 = Date.now();
  const log = o.log ?? consoleLog;
  const s = labSettings(o);
  const deadline = t0 + (o.timeoutMs ?? 10 * 60_000);
  if (o.build ?? true) await ensureNpmBuild(s.root, log);
  if (o.ensureDocker ?? true) await ensureDocker(s.root, log);
  const docker = o.docker ?? new DockerodeLab();
  await labImages({ ...o, log, docker });
  await removeLeftovers(docker, s, log);
  const tp = Date.now();
  const pki = await ensureClusterPki(s.pkiDir, s.serviceCIDR);
  log(
    pki.made.length
      ? `made the lab's PKI in ${s.pkiDir} (${since(tp)}): ${pki.made.join(', ')}`
      : `using the lab's CA, certificates and tokens in ${s.pkiDir}`,
  );
  const api = { url: s.apiUrl, caCert: pki.material.caCert, token: pki.material.token };
  const ingress = await chooseIngressPorts(s.env, new URL(s.apiUrl).hostname, s.cluster);
  Object.assign(s.env, ingress);
  const target = await composeTarget(s, docker);
  const ha = s.ha || (await runsHa(docker, s.project));
  if (ha && !s.ha) log(`lab ${s.project} runs the HA profile: keeping it (./kubelab down first for a plain lab)`);
  log(
    `starting lab ${s.project}${ha ? ' (HA: 3 etcd members, 2 apiservers, 2 schedulers, 2 controller-managers)' : ''}: ${s.nodes} node(s), network ${s.network} (${s.subnet}), API ${s.apiUrl}…`,
  );
  target.env.KUBELAB_PKI_RUN = '0'; // made above: compose need not run its pki service
  const written = await writeComposeEnv(s.root, s.composeFile, s.project, target.env, ha);
  if (written.skipped) log(written.skipped);
  target.envFile = written.file;
  const tc = Date.now();
  await withDiagnosis(docker, s, async () => {
    const r = await runCompose(target, [...profileArgs(ha), 'up', '-d', '--remove-orphans'], {
      onLine: (l) => l.trim() && log(`  ${l}`),
      timeoutMs: Math.max(deadline - Date.now(), 1000),
    });
    if (r.code !== 0) throw new Error(`compose up failed (exit code ${r.code})`);
  });
  log(`containers up in ${since(tc)}`);
  const wait = { deadline, log };
  const nodes = await withDiagnosis(docker, s, async () => {
    const ta = Date.now();
    await waitForApiserver(api, wait);
    log(`apiserver answers (${since(ta)} after compose)`);
    if (ha) await waitForEtcdMembers(target, wait);
    const tn = Date.now();
    const ready = await waitForNodes(api, s.nodes, wait);
    log(`${ready.length} node(s) Ready (${since(tn)} after the apiserver)`);
    return ready;
  });
  const kubeconfig = labKubeconfigPath(s.root, s.project);
  const entry = kubeconfigEntry(s, api);
  await writePrivate(kubeconfig, labKubeconfig(entry));
  const mergedInto = (o.mergeKubeconfig ?? true) ? await mergeIntoUserKubeconfig(s, entry, log) : undefined;
  const seconds = (Date.now() - t0) / 1000;
  log(
    `lab ${s.project} is up in ${since(t0)}: ${nodes.length} node(s) Ready; Ingress on http://${new URL(s.apiUrl).hostname}:${ingress.KUBELAB_INGRESS_HTTP_PORT} and https://…:${ingress.KUBELAB_INGRESS_HTTPS_PORT}`,
  );
  return { project: s.project, context: entry.name, kubeconfig, mergedInto, apiUrl: s.apiUrl, nodes, seconds, ha };
}

/**
 * Removes the lab: its containers (pods and joined nodes too), network, and (unless `volumes` is
 * false) its data volumes and kubeconfig entries. With `volumes: false` a later `up` finds every
 * object again (etcd's volume and the PKI stay).
 */
export async function labDown(
  target: string | (LabOptions & { keepKubeconfig?: boolean; volumes?: boolean }),
): Promise<void> {
  const o = typeof target === 'string' ? { project: target } : target;
  const t0 = Date.now();
  const log = o.log ?? consoleLog;
  const s = labSettings(o);
  const docker = o.docker ?? new DockerodeLab();
  const keepData = o.volumes === false;
  const ofProject = await docker.containers([`${COMPOSE_PROJECT_LABEL}=${s.project}`]);
  const clusters = new Set([
    s.cluster,
    ...ofProject.map((c) => c.labels[CLUSTER_LABEL]).filter((c): c is string => !!c),
  ]);
  // Kubelets first (they would start pods again), with pods and joined nodes: compose does not
  // know them, and their network endpoints would stop it from removing the network.
  for (const cluster of clusters) {
    const all = await docker.containers([`${CLUSTER_LABEL}=${cluster}`]);
    await removeContainers(
      docker,
      all.filter((c) => c.labels[COMPONENT_LABEL] === 'kubelet' || !(COMPOSE_PROJECT_LABEL in c.labels)),
    );
  }
  try {
    const r = await runCompose(
      await composeTarget(s, docker),
      [...ALL_PROFILES_ARGS, 'down', ...(keepData ? [] : ['-v']), '--remove-orphans', '--timeout', '5'],
      { onLine: (l) => l.trim() && log(`  ${l}`) },
    );
    if (r.code !== 0) log(`compose down exited with code ${r.code}; removing the rest by label`);
  } catch (err) {
    log(`compose did not run (${(err as Error).message}); removing the lab by label`);
  }
  for (const cluster of clusters) await sweepLab(docker, { ...scopeOf(s), cluster }, log, keepData);
  await rm(stoppedPodsFile(labComposeEnvPath(s.root, s.project)), { force: true }); // their containers are gone
  if (!o.keepKubeconfig && !keepData) await forgetKubeconfig(s, log);
  log(
    `lab ${s.project} is down (${since(t0)})${keepData ? ': its data volumes, PKI and kubeconfig entries are kept (./kubelab up finds every object again; ./kubelab delete removes them)' : ''}`,
  );
}

async function forgetKubeconfig(s: LabSettings, log: Log): Promise<void> {
  const own = labKubeconfigPath(s.root, s.project);
  await rm(own, { force: true });
  if (s.pkiDir === labPkiDir(s.root, s.project)) await rm(s.pkiDir, { recursive: true, force: true }); // not a directory the user named
  if (s.project !== 'kubelab') await rm(dirname(own), { recursive: true, force: true });
  let user = userKubeconfigPath(s.env);
  user = await realpath(user).catch(() => user);
  const name = kubeconfigName(s.project);
  const removed = await withFileLock(user, async () => {
    const next = removeFromKubeconfig(await readIfExists(user), name, s.apiUrl, user);
    if (next !== null) await writePrivate(user, next);
    return next !== null;
  });
  if (removed) log(`removed context "${name}" from ${user}`);
}

export async function labStop(o: LabOptions = {}): Promise<void> {
  const s = labSettings(o);
  const docker = o.docker ?? new DockerodeLab();
  await stopLab(docker, await composeTarget(s, docker), s.cluster, o.log ?? consoleLog, {
    file: stoppedPodsFile(labComposeEnvPath(s.root, s.project)),
    network: s.network,
  });
}

/** Starts a stopped lab and waits for its nodes to be Ready. */
export async function labStart(o: LabOptions & { timeoutMs?: number } = {}): Promise<string[]> {
  const t0 = Date.now();
  const s = labSettings(o);
  const log = o.log ?? consoleLog;
  const docker = o.docker ?? new DockerodeLab();
  await startLab(docker, await composeTarget(s, docker), s.cluster, log, {
    file: stoppedPodsFile(labComposeEnvPath(s.root, s.project)),
    network: s.network,
  });
  const api = await labApiAccess(o);
  const wait = { deadline: t0 + (o.timeoutMs ?? 120_000), log };
  await waitForApiserver(api, wait);
  const nodes = await waitForNodes(api, s.nodes, wait);
  log(`lab ${s.project} is started in ${since(t0)}: ${nodes.length} node(s) Ready`);
  return nodes;
}

/**
 * `kubelab join`: a node that lasts, joining with the lab's bootstrap token (or `token`); with
 * `wait` (default) it resolves once the node is Ready and throws when its token is refused.
 */
export async function labJoin(
  o: LabOptions & { token?: string; wait?: boolean; timeoutMs?: number } = {},
  spec?: NodeAddSpec,
): Promise<JoinResult & { seconds?: number }> {
  const t0 = Date.now();
  const s = labSettings(o);
  const docker = o.docker ?? new DockerodeLab();
  const t = await composeTarget(s, docker);
  const r = await joinNode(docker, { ...s, env: t.env }, spec, o.token);
  if (o.wait === false) return r;
  await waitForJoin(docker, await labApiAccess(o), r, {
    deadline: t0 + (o.timeoutMs ?? 120_000),
    log: o.log ?? consoleLog,
  });
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}

/** True when the lab is there and healthy. */
export async function labStatus(o: LabOptions = {}): Promise<boolean> {
  const s = labSettings(o);
  return printStatus(o.docker ?? new DockerodeLab(), s, o.log ?? consoleLog);
}

/** The lab's API URL, CA (PEM) and admin token, for HTTPS requests of one's own (after `up`). */
export async function labApiAccess(o: LabOptions = {}): Promise<ApiAccess> {
  const s = labSettings(o);
  const pki = await readPki(s.pkiDir);
  if (!pki) throw new Error(`lab ${s.project}: no CA and token in ${s.pkiDir} (is it up?)`);
  return { url: s.apiUrl, caCert: pki.caCert, token: pki.token };
}

export { labSettings };
