/** `kubelab status`: the lab's component containers, a count of pod containers, and its nodes. */
import { readPki } from '@kubelab/client/pki';
import { apiGet } from './api-get.js';
import type { LabDocker } from './docker.js';
import { CLUSTER_LABEL, COMPONENT_LABEL, containerOk, POD_NAME_LABEL } from './labels.js';
import { publishedIngressPorts } from './ingress-ports.js';
import { readyNodes } from './nodes.js';
import type { Log } from './output.js';
import type { LabSettings } from './settings.js';
import { chaosStatePath, describeFaults, readFaults } from './chaos/state.js';

export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3)))
      .join('')
      .trimEnd(),
  );
}

/** True when the lab is healthy: every component running, the apiserver answering, every node Ready. */
export async function printStatus(docker: LabDocker, s: LabSettings, log: Log): Promise<boolean> {
  const all = await docker.containers([`${CLUSTER_LABEL}=${s.cluster}`]);
  const components = all.filter((c) => COMPONENT_LABEL in c.labels).sort((a, b) => a.name.localeCompare(b.name));
  const pods = all.filter((c) => POD_NAME_LABEL in c.labels);
  if (components.length === 0) {
    log(
      `lab ${s.project} is not running (no containers with label ${CLUSTER_LABEL}=${s.cluster})${pods.length ? `; ${pods.length} pod container(s) left over: ./kubelab down removes them` : ''}`,
    );
    return false;
  }
  let healthy = components.every(containerOk);
  log(`lab ${s.project} (cluster ${s.cluster}, network ${s.network}, API ${s.apiUrl})`);
  for (const line of table([
    ['CONTAINER', 'COMPONENT', 'STATE', 'STATUS'],
    ...components.map((c) => [c.name, c.labels[COMPONENT_LABEL] ?? '', c.state, c.status]),
  ]))
    log(line);
  log(`pod containers: ${pods.length} (${pods.filter((c) => c.state === 'running').length} running)`);
  const faults = await readFaults(chaosStatePath(s.root, s.project));
  if (faults.length > 0) {
    log(`active faults (kubelab chaos heal --all undoes them):`);
    for (const line of describeFaults(faults)) log(`  ${line}`);
  }
  const ingress = await publishedIngressPorts(s.cluster);
  const url = (c: number, proto: string): string[] =>
    ingress.filter(([, p]) => p === c).map(([h]) => `${proto}://${new URL(s.apiUrl).hostname}:${h}`);
  if (ingress.length > 0) log(`ingress: ${[...url(80, 'http'), ...url(443, 'https')].join(', ')}`);
  try {
    const pki = await readPki(s.pkiDir);
    if (!pki) throw new Error(`no CA and token in ${s.pkiDir}`);
    const res = await apiGet({ url: s.apiUrl, caCert: pki.caCert, token: pki.token }, '/api/v1/nodes', 3000);
    if (!res) throw new Error('no answer');
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    const body = res.body as { items?: { metadata?: { name?: string } }[] };
    const ready = new Set(readyNodes(body).ready);
    const names = (body.items ?? []).map((n) => n.metadata?.name ?? '?');
    log('');
    for (const line of table([['NODE', 'STATUS'], ...names.map((n) => [n, ready.has(n) ? 'Ready' : 'NotReady'])]))
      log(line);
    if (names.some((n) => !ready.has(n))) healthy = false;
  } catch (err) {
    log(`nodes: the apiserver at ${s.apiUrl} does not answer (${(err as Error).message})`);
    healthy = false;
  }
  return healthy;
}
