/**
 * `kubelab node add` (alias `join`): one more kubelet node that lasts. A plain container (not a
 * compose replica, which a later `up` would scale away) on the lab's network, with the lab's
 * labels, so `down` finds it; its name is the node's name. With --hollow N it runs N hollow nodes
 * <name>-0 … <name>-(N-1) (kwok-style: no Docker behind their pods, so no Docker socket).
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BOOTSTRAP_TOKEN_RE } from '@kubelab/client/component-pki';
import type { LabDocker } from './docker.js';
import { kubelabImage } from './images/source.js';
import { CLUSTER_LABEL, COMPONENT_LABEL, HOLLOW_LABEL, JOINED_LABEL, PROJECT_LABEL } from './labels.js';
import { nextNodeName } from './node-name.js';
import type { NodeAddSpec } from './node-options.js';
import type { LabSettings } from './settings.js';

export interface JoinResult {
  name: string;
  id: string;
  /** The nodes it registers: [name], or the hollow ones. */
  nodes: string[];
}

/** The nodes of a kubelet container named `name` running `hollow` hollow nodes (or one real node). */
export const hollowNodeNames = (name: string, hollow: number | undefined): string[] =>
  hollow ? Array.from({ length: hollow }, (_, i) => `${name}-${i}`) : [name];

/**
 * Starts the node's kubelet with the cluster CA and a bootstrap token: the lab's own
 * (components/kubelet of its PKI), or `token` (written with the CA to components/kubelet-<name>).
 */
export async function joinNode(
  docker: LabDocker,
  s: LabSettings,
  spec: NodeAddSpec = { labels: {}, taints: [], env: {} },
  token?: string,
): Promise<JoinResult> {
  if (!(await docker.networks()).some((n) => n.name === s.network)) {
    throw new Error(`the lab ${s.project} is not running (no Docker network "${s.network}"): run ./kubelab up first`);
  }
  const kubelets = await docker.containers([`${CLUSTER_LABEL}=${s.cluster}`, `${COMPONENT_LABEL}=kubelet`]);
  if (spec.name && kubelets.some((c) => c.name === spec.name || c.name.replace(/_/g, '-') === spec.name)) {
    throw new Error(
      `node ${spec.name} exists already in lab ${s.project}: choose another --name, or remove it with ./kubelab node delete ${spec.name}`,
    );
  }
  const joined = await docker.containers([`${CLUSTER_LABEL}=${s.cluster}`, JOINED_LABEL]);
  const name =
    spec.name ??
    nextNodeName(
      s.project,
      joined.map((c) => c.name),
    );
  const nodes = hollowNodeNames(name, spec.hollow);
  if (nodes.some((n) => n.length > 63))
    throw new Error(
      `--name: Invalid value: "${name}": the hollow nodes' names (${nodes[nodes.length - 1]}) must be no more than 63 characters`,
    );
  const e = s.env;
  const env: Record<string, string> = {
    KUBELAB_CLUSTER: s.cluster,
    KUBELAB_NETWORK: s.network,
    KUBELAB_APISERVER: 'apiserver:7000',
    KUBELAB_NODE_NAME: name,
    KUBELAB_SERVICE_CIDR: e.KUBELAB_SERVICE_CIDR || '10.244.128.0/18',
    KUBELAB_NODEPORT_RANGE: e.KUBELAB_NODEPORT_RANGE || '30000-30099',
    KUBELAB_PAUSE_IMAGE: e.KUBELAB_PAUSE_IMAGE || 'kubelab/busybox:latest',
    LOG_LEVEL: e.LOG_LEVEL || 'info',
    // As a compose kubelet: the CA and the bootstrap token, nothing of its own yet.
    KUBELAB_API_CA_FILE: '/etc/kubelab/pki/ca.crt',
    KUBELAB_API_TOKEN_FILE: '/etc/kubelab/pki/bootstrap-token',
    ...spec.env,
  };
  const id = await docker.runContainer({
    name,
    hostname: name,
    image: kubelabImage(e),
    cmd: ['node', '/app/kubelet/dist/main.js'],
    env,
    labels: {
      [CLUSTER_LABEL]: s.cluster,
      [COMPONENT_LABEL]: 'kubelet',
      [PROJECT_LABEL]: s.project,
      [JOINED_LABEL]: '1',
      ...(spec.hollow ? { [HOLLOW_LABEL]: String(spec.hollow) } : {}),
    },
    binds: [
      ...(spec.hollow ? [] : [`${e.KUBELAB_DOCKER_SOCK || '/var/run/docker.sock'}:/var/run/docker.sock`]),
      `${token === undefined ? join(s.pkiDir, 'components', 'kubelet') : await tokenDir(s, name, token)}:/etc/kubelab/pki:ro`,
    ],
    network: s.network,
  });
  return { name, id, nodes };
}

/** components/kubelet-<node>/ with the CA and the given token, for that node alone. */
async function tokenDir(s: LabSettings, node: string, token: string): Promise<string> {
  if (!BOOTSTRAP_TOKEN_RE.test(token))
    throw new Error(
      `--token: Invalid value: "${token}": a bootstrap token has the form [a-z0-9]{6}.[a-z0-9]{16} (kubelab token create makes one)`,
    );
  const dir = join(s.pkiDir, 'components', `kubelet-${node}`);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await copyFile(join(s.pkiDir, 'ca.crt'), join(dir, 'ca.crt'));
  await writeFile(join(dir, 'bootstrap-token'), `${token}\n`, { mode: 0o600 });
  return dir;
}
