/**
 * The apiserver's way to the kubelets: pod → spec.nodeName → Node → InternalIP +
 * daemonEndpoints.kubeletEndpoint.Port, one gRPC client per address, and the streams of the
 * Kubelet service (logs, exec/attach, port-forward, stats) as Node streams.
 */
import * as grpc from '@grpc/grpc-js';
import type { Readable, Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { KubeObject, Node, Pod } from '@kubelab/api';
import { ApiError, CHANNEL_OPTIONS, execStart, kubeletService, logsRequest, type Chunk, type ExecInput, type ExecOutput, type LogsRequest, type PodRef, type PortForwardData, type StatsResponse } from '@kubelab/proto';
import type { StreamBackends } from '../rest/streams/types.js';
import { execSession, logsStream, portForwardStream } from './grpcstreams.js';
import type { ExecBackend, PodKey, PodLogOptions, PortForwardBackend } from './types.js';

/** The gRPC methods of a Kubelet client that the connector uses. */
export interface KubeletClient {
  Logs(req: LogsRequest): grpc.ClientReadableStream<Chunk>;
  Exec(): grpc.ClientDuplexStream<ExecInput, ExecOutput>;
  PortForward(): grpc.ClientDuplexStream<PortForwardData, PortForwardData>;
  Stats(req: { pod: PodRef | null }, cb: (err: grpc.ServiceError | null, res?: StatsResponse) => void): unknown;
  close(): void;
}

export interface KubeletConnectorOptions {
  registry: { get(resource: string, namespace: string, name: string): Promise<KubeObject> };
  log: Logger;
  /** Makes a client for "host:port"; a real gRPC client by default. */
  dial?: (address: string) => KubeletClient;
}

export const DEFAULT_KUBELET_PORT = 10250;

function realDial(address: string): KubeletClient {
  const Ctor = kubeletService();
  return new Ctor(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as KubeletClient;
}

/** "host:port" of a Node's kubelet, from its status. */
export function kubeletAddress(node: Node): string {
  const st = node.status as { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined;
  const ip = st?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) throw new ApiError('ServiceUnavailable', `node "${node.metadata.name}" has no InternalIP address; is its kubelet running?`);
  const port = st?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export class KubeletConnector {
  private readonly clients = new Map<string, KubeletClient>();
  private readonly dial: (address: string) => KubeletClient;

  constructor(private readonly o: KubeletConnectorOptions) {
    this.dial = o.dial ?? realDial;
  }

  async pod(key: PodKey): Promise<Pod> {
    return (await this.o.registry.get('pods', key.namespace, key.name)) as Pod;
  }

  /** The kubelet client for the node running the pod, and the pod's reference. */
  async forPod(key: PodKey | Pod): Promise<{ client: KubeletClient; ref: PodRef }> {
    const pod = 'metadata' in key ? key : await this.pod(key);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw new ApiError('BadRequest', `pod ${pod.metadata.name} does not have a host assigned`);
    return { client: await this.forNode(nodeName), ref: { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' } };
  }

  async forNode(nodeName: string): Promise<KubeletClient> {
    const node = (await this.o.registry.get('nodes', '', nodeName)) as Node;
    const address = kubeletAddress(node);
    let c = this.clients.get(address);
    if (!c) {
      this.o.log.debug({ node: nodeName, address }, 'connecting to kubelet');
      c = this.dial(address);
      this.clients.set(address, c);
    }
    return c;
  }

  /** The container's log; resolves once the kubelet accepted the request (errors reject). */
  async logs(pod: PodKey | Pod, opts: PodLogOptions): Promise<Readable> {
    const { client, ref } = await this.forPod(pod);
    return await logsStream(client.Logs(logsRequest(ref, opts.container, opts)));
  }

  private backend(pod: PodKey, container: string, attach: boolean): ExecBackend {
    return {
      start: async (req) => {
        const { client, ref } = await this.forPod(pod);
        return await execSession(client.Exec(), { start: execStart(ref, req.container || container, req, attach) });
      },
    };
  }

  /** `pods/exec`: runs req.command in the container. */
  execBackend(pod: PodKey, container: string): ExecBackend {
    return this.backend(pod, container, false);
  }

  /** `pods/attach`: attaches to the container's main process (req.command is ignored). */
  attachBackend(pod: PodKey, container: string): ExecBackend {
    return this.backend(pod, container, true);
  }

  /** `pods/portforward`: a TCP stream to a port in the pod's network namespace. */
  portForwardBackend(pod: PodKey): PortForwardBackend {
    return {
      connect: async (port: number): Promise<Duplex> => {
        const { client, ref } = await this.forPod(pod);
        return await portForwardStream(client.PortForward(), { pod: ref, port, data: Buffer.alloc(0) });
      },
    };
  }

  /** The backends of pods/exec, attach and portforward for the REST server's `streams` option. */
  streamBackends(): StreamBackends {
    const key = (pod: KubeObject): PodKey => ({ namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '' });
    return {
      exec: (pod, container) => this.execBackend(key(pod), container),
      attach: (pod, container) => this.attachBackend(key(pod), container),
      portForward: (pod) => this.portForwardBackend(key(pod)),
    };
  }

  /** Usage of the pods of a node (or of one pod there). */
  async stats(nodeName: string, pod?: PodRef): Promise<StatsResponse> {
    const client = await this.forNode(nodeName);
    return await new Promise<StatsResponse>((resolve, reject) => {
      client.Stats({ pod: pod ?? null }, (err, res) => (err || !res ? reject(ApiError.from(err ?? new Error('empty stats answer'))) : resolve(res)));
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
