/**
 * The pod sandbox on Docker: the create options of the pause container, which holds the pod's
 * network namespace (its IP on the cluster network, its hostname) for the app containers that
 * join it. What the pod asks of its sandbox goes here (pod/sandbox.ts decides when one is made).
 */
import type Dockerode from 'dockerode';
import type { Pod } from '@kubelab/api';
import { hostsOptions } from '../dns/poddns.js';
import { podHostname } from '../podspec.js';
import { LOG_CONFIG, dockerName, podLabels, type Placement } from './dockerspec.js';
import { SANDBOX_NAME } from './runtime.js';

/** What the runtime knows besides the pod: where it runs, the pause image and this sandbox's attempt. */
export interface PauseOptions extends Placement {
  network: string;
  image: string;
  command: string[];
  attempt: number;
  /** Cluster DNS: /etc/hosts gets the pod's hostAliases and, with a subdomain, its FQDN. */
  clusterDomain?: string;
  /** The pod's /etc/resolv.conf, when Docker's own is not right for it (dns/poddns.ts). */
  resolvConf?: string;
}

/** What the sandbox creates once its /etc/resolv.conf is written (the kubelet waits for it). */
export const RESOLV_WRITTEN_MARKER = '/etc/.kubelab-resolv-written';

/**
 * The sandbox's command, writing the pod's /etc/resolv.conf first when it has one. Docker gives
 * every container on a user-defined network its embedded DNS (127.0.0.11), which would also
 * answer for the lab's own containers and pods (the PTR of a pod IP: its Docker name), and the
 * file cannot be copied in (it is a mount point): so the sandbox's own shell rewrites it in place
 * before it becomes the pause process, as dockershim rewrote it; app containers share the file.
 */
export function pauseCommandLine(command: string[], resolvConf: string | undefined): string[] {
  if (resolvConf === undefined) return [...command];
  return [
    'sh',
    '-c',
    `printf '%s' "$0" > /etc/resolv.conf && : > ${RESOLV_WRITTEN_MARKER} && exec "$@"`,
    resolvConf,
    ...command,
  ];
}

/**
 * The pause container of the pod's sandbox attempt `o.attempt`. The app containers join its
 * network namespace and with it its /etc/hostname, /etc/hosts and /etc/resolv.conf, so the pod's
 * resolv.conf (written by the sandbox's own command) and hostAliases (HostConfig.ExtraHosts)
 * belong here.
 */
export function pauseCreateOptions(pod: Pod, o: PauseOptions): Dockerode.ContainerCreateOptions {
  const { ExtraHosts, Domainname } = o.clusterDomain ? hostsOptions(pod, o.clusterDomain) : {};
  return {
    name: dockerName(pod, SANDBOX_NAME, o.attempt),
    Image: o.image,
    Entrypoint: pauseCommandLine(o.command, o.resolvConf),
    Cmd: [],
    Hostname: podHostname(pod),
    ...(Domainname ? { Domainname } : {}),
    Labels: podLabels(pod, o, SANDBOX_NAME, o.attempt),
    Tty: false,
    // The sandbox only holds the namespaces; nothing to shut down gracefully.
    StopSignal: 'SIGKILL',
    HostConfig: {
      NetworkMode: o.network,
      RestartPolicy: { Name: 'no' },
      LogConfig: LOG_CONFIG,
      ...(ExtraHosts ? { ExtraHosts } : {}),
    },
    NetworkingConfig: { EndpointsConfig: { [o.network]: {} } },
  };
}
