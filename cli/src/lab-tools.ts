/** `list`, `logs`, `export logs` and `kubeconfig` for a lab (the library side of those commands). */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { apiGet } from './api-get.js';
import { DockerodeLab, type LabDocker } from './docker.js';
import { exportLogs } from './export-logs.js';
import { kubeconfigEntry, labApiAccess, mergeIntoUserKubeconfig, type LabOptions } from './lab.js';
import { labKubeconfig } from './kubeconfig.js';
import { listLabs, type LabSummary } from './list.js';
import { streamLogs, type LogsOptions } from './logs.js';
import { CLUSTER_LABEL, COMPONENT_LABEL } from './labels.js';
import { nodeNameOf } from './node-delete.js';
import { consoleLog } from './output.js';
import { labSettings } from './settings.js';
import { printStatus } from './status.js';

export async function labList(docker: LabDocker = new DockerodeLab()): Promise<LabSummary[]> {
  return listLabs(docker);
}

/** The names of the lab's nodes (its kubelet containers), from Docker: quick, and without the API. */
export async function nodeNames(o: LabOptions = {}): Promise<string[]> {
  const s = labSettings(o);
  const kubelets = await (o.docker ?? new DockerodeLab()).containers([
    `${CLUSTER_LABEL}=${s.cluster}`,
    `${COMPONENT_LABEL}=kubelet`,
  ]);
  return kubelets.map((c) => nodeNameOf(c.name)).sort();
}

/** Streams a component's or a node's log to stdout; the exit code of docker logs. */
export async function labLogs(o: LabOptions, target: string, opts: LogsOptions = {}): Promise<number> {
  const s = labSettings(o);
  return streamLogs(o.docker ?? new DockerodeLab(), s.cluster, s.project, target, opts);
}

const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** Exports the lab's logs and state into dir (default a new folder in the temp directory); returns it and the notes. */
export async function labExportLogs(
  o: LabOptions & { version: string },
  dir?: string,
): Promise<{ dir: string; notes: string[] }> {
  const s = labSettings(o);
  const docker = o.docker ?? new DockerodeLab();
  const out = resolve(dir ?? join(tmpdir(), `kubelab-${s.project}-${stamp(new Date())}`));
  const api = await labApiAccess(o).catch(() => undefined);
  const notes = await exportLogs(
    {
      docker,
      cluster: s.cluster,
      get: async (path) => (api ? apiGet(api, path, 10_000) : undefined),
      status: async () => {
        const lines: string[] = [];
        await printStatus(docker, s, (l) => lines.push(l));
        return `${lines.join('\n')}\n`;
      },
      version: o.version,
    },
    out,
  );
  return { dir: out, notes };
}

/** The lab's kubeconfig (its context, cluster and user, named as in every kubeconfig kubelab writes). */
export async function labKubeconfigText(o: LabOptions = {}): Promise<string> {
  const s = labSettings(o);
  const api = await labApiAccess(o);
  return labKubeconfig(kubeconfigEntry(s, api));
}

/** Merges the lab's entry into the kubeconfig kubectl uses; the file, or undefined when a same-named entry is another server's. */
export async function labKubeconfigMerge(o: LabOptions = {}): Promise<string | undefined> {
  const s = labSettings(o);
  return mergeIntoUserKubeconfig(s, kubeconfigEntry(s, await labApiAccess(o)), o.log ?? consoleLog);
}
