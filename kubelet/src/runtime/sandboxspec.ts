/**
 * The pod sandbox on Docker: the create options of the pause container, which holds the pod's
 * network namespace (its IP on the cluster network, its hostname) for the app containers that
 * join it. What the pod asks of its sandbox goes here (pod/sandbox.ts decides when one is made).
 */
import type Dockerode from 'dockerode';
import type { Pod } from '@kubelab/api';
import { podHostname } from '../podspec.js';
import { LOG_CONFIG, dockerName, podLabels, type Placement } from './dockerspec.js';
import { SANDBOX_NAME } from './runtime.js';

/** What the runtime knows besides the pod: where it runs, the pause image and this sandbox's attempt. */
export interface PauseOptions extends Placement {
  network: string;
  image: string;
  command: string[];
  attempt: number;
}

/**
 * The pause container of the pod's sandbox attempt `o.attempt`. The app containers join its
 * network namespace and with it its /etc/hostname, /etc/hosts and /etc/resolv.conf, so the pod's
 * DNS settings (HostConfig.Dns, DnsSearch, DnsOptions) and hostAliases (HostConfig.ExtraHosts)
 * belong here.
 */
export function pauseCreateOptions(pod: Pod, o: PauseOptions): Dockerode.ContainerCreateOptions {
  return {
    name: dockerName(pod, SANDBOX_NAME, o.attempt),
    Image: o.image,
    Entrypoint: [...o.command],
    Cmd: [],
    Hostname: podHostname(pod),
    Labels: podLabels(pod, o, SANDBOX_NAME, o.attempt),
    Tty: false,
    // The sandbox only holds the namespaces; nothing to shut down gracefully.
    StopSignal: 'SIGKILL',
    HostConfig: {
      NetworkMode: o.network,
      RestartPolicy: { Name: 'no' },
      LogConfig: LOG_CONFIG,
    },
    NetworkingConfig: { EndpointsConfig: { [o.network]: {} } },
  };
}
