/**
 * One lab's settings, resolved from explicit options, then the given env, then process.env, then
 * defaults. The project name is the compose project; the cluster id (container labels) and the
 * Docker network default to it, so two labs with different projects never touch each other.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { haFromEnv } from './ha.js';
import { labPkiDir } from './kubeconfig-file.js';
import { recalledEnv } from './compose-env.js';

export type Env = Record<string, string | undefined>;

export interface LabInput {
  project?: string;
  apiPort?: number;
  nodes?: number;
  /** The HA profile (KUBELAB_HA): 3 etcd members, 2 apiservers, 2 schedulers, 2 controller-managers. */
  ha?: boolean;
  /** KUBELAB_* (and other) variables, over process.env. */
  env?: Env;
}

export interface LabSettings {
  root: string;
  composeFile: string;
  project: string;
  cluster: string;
  network: string;
  subnet: string;
  apiPort: number;
  nodes: number;
  /** The HA profile was asked for (a lab that already runs it stays HA anyway). */
  ha: boolean;
  /** https://<host>:<apiPort> */
  apiUrl: string;
  /** The service CIDR (KUBELAB_SERVICE_CIDR): its first address + 1 is in the apiserver's certificate. */
  serviceCIDR: string;
  /** Host directory of the lab's PKI (KUBELAB_PKI_DIR), mounted read-only into the apiserver. */
  pkiDir: string;
  /** The environment for compose and docker: process.env, the input env, the resolved values. */
  env: Record<string, string>;
}

export const DEFAULT_PROJECT = 'kubelab';
export const DEFAULT_SUBNET = '10.244.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.244.128.0/18';

/** The repository root: cli/dist/settings.js → ../../ */
export const repoRoot = (): string => fileURLToPath(new URL('../../', import.meta.url));

const PROJECT_RE = /^[a-z0-9][a-z0-9_-]*$/;

export function validateProject(project: string): string {
  if (!PROJECT_RE.test(project)) {
    throw new Error(
      `KUBELAB_PROJECT: Invalid value: "${project}": a project name must consist of lower case alphanumeric characters, '-' or '_', and start with an alphanumeric character`,
    );
  }
  return project;
}

function intSetting(name: string, raw: string | number, min: number, max: number): number {
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name}: Invalid value: "${raw}": must be an integer from ${min} to ${max}`);
  }
  return n;
}

function clean(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * The settings the lab was last brought up with (its compose.env) come under the environment:
 * `./kubelab status`, `stop`, a later `up` … act on the lab as it is, from a plain shell.
 */
export function labSettings(input: LabInput = {}, processEnv: Env = process.env, root = repoRoot()): LabSettings {
  const given = clean({ ...processEnv, ...(input.env ?? {}) });
  const project = validateProject(input.project ?? (given.KUBELAB_PROJECT || DEFAULT_PROJECT));
  const env = { ...recalledEnv(root, project), ...given };
  const pick = (k: string): string | undefined => (env[k] === '' ? undefined : env[k]);
  const cluster = pick('KUBELAB_CLUSTER') ?? project;
  const network = pick('KUBELAB_NETWORK') ?? project;
  const apiPort = intSetting('KUBELAB_API_PORT', input.apiPort ?? pick('KUBELAB_API_PORT') ?? 6443, 1, 65535);
  const nodes = intSetting('KUBELAB_NODES', input.nodes ?? pick('KUBELAB_NODES') ?? 2, 0, 100);
  const bind = pick('KUBELAB_BIND_ADDRESS');
  const host = !bind || bind === '0.0.0.0' ? '127.0.0.1' : bind;
  const pkiDir = pick('KUBELAB_PKI_DIR') ?? labPkiDir(root, project);
  return {
    root,
    composeFile: join(root, 'docker-compose.yml'),
    project,
    cluster,
    network,
    subnet: pick('KUBELAB_SUBNET') ?? DEFAULT_SUBNET,
    apiPort,
    nodes,
    ha: input.ha ?? haFromEnv(pick('KUBELAB_HA')),
    apiUrl: `https://${host}:${apiPort}`,
    serviceCIDR: pick('KUBELAB_SERVICE_CIDR') ?? DEFAULT_SERVICE_CIDR,
    pkiDir,
    env: {
      ...env,
      KUBELAB_PROJECT: project,
      KUBELAB_CLUSTER: cluster,
      KUBELAB_NETWORK: network,
      KUBELAB_API_PORT: String(apiPort),
      KUBELAB_NODES: String(nodes),
      KUBELAB_PKI_DIR: pkiDir,
    },
  };
}
