/**
 * The host ports of the lab's ingress controller: KUBELAB_INGRESS_HTTP_PORT /
 * KUBELAB_INGRESS_HTTPS_PORT when set; else 80 / 443 when free (or already this lab's), else
 * 8080 / 8443; `./kubelab up` and `./kubelab status` say which.
 */
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { CLUSTER_LABEL, COMPONENT_LABEL } from './labels.js';

export interface IngressPorts {
  KUBELAB_INGRESS_HTTP_PORT: string;
  KUBELAB_INGRESS_HTTPS_PORT: string;
}

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** The host ports the running ingress container of a cluster publishes, as [host, container] pairs. */
export function publishedIngressPorts(cluster: string): Promise<[number, number][]> {
  return new Promise((resolve) => {
    const args = [
      'ps',
      '--filter',
      `label=${CLUSTER_LABEL}=${cluster}`,
      '--filter',
      `label=${COMPONENT_LABEL}=ingress`,
      '--format',
      '{{.Ports}}',
    ];
    execFile('docker', args, { timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve([]);
      resolve([...String(stdout).matchAll(/:(\d+)->(\d+)\//g)].map((m) => [Number(m[1]), Number(m[2])]));
    });
  });
}

export async function chooseIngressPorts(
  env: Record<string, string | undefined>,
  host: string,
  cluster: string,
): Promise<IngressPorts> {
  const ours = (await publishedIngressPorts(cluster)).map(([h]) => h);
  const pick = async (name: string, preferred: number, fallback: number): Promise<string> => {
    const set = env[name];
    if (set) return set;
    if (ours.includes(preferred) || (await isFree(host, preferred))) return String(preferred);
    if (ours.includes(fallback) || (await isFree(host, fallback))) return String(fallback);
    throw new Error(`${name}: ports ${preferred} and ${fallback} on ${host} are taken: set ${name} to a free port`);
  };
  return {
    KUBELAB_INGRESS_HTTP_PORT: await pick('KUBELAB_INGRESS_HTTP_PORT', 80, 8080),
    KUBELAB_INGRESS_HTTPS_PORT: await pick('KUBELAB_INGRESS_HTTPS_PORT', 443, 8443),
  };
}
