/**
 * The apiserver's way to the kubelets: pod → spec.nodeName → Node → InternalIP +
 * daemonEndpoints.kubeletEndpoint.Port, one gRPC client per address, and the streams of the
 * Kubelet service (logs, exec/attach, port-forward, stats) as Node streams.
 */
import * as grpc from '@grpc/grpc-js';
import { X509Certificate, createHash } from 'node:crypto';
import type { Readable, Duplex } from 'node:stream';
import { KUBELET_SERVING_CERT_ANNOTATION } from '@kubelab/client/grpc-auth';
import type { Logger } from 'pino';
import type { KubeObject, Node, Pod } from '@kubelab/api';
import {
  ApiError,
  CHANNEL_OPTIONS,
  execStart,
  kubeletService,
  logsRequest,
  type Chunk,
  type ExecInput,
  type ExecOutput,
  type LogsRequest,
  type PodRef,
  type PortForwardData,
  type StatsResponse,
} from '@kubelab/proto';
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
  /** Makes a client for "host:port" of the node; a real gRPC client by default. */
  dial?: (address: string, node: Node) => KubeletClient;
  /**
   * The apiserver's client certificate (kube-apiserver-kubelet-client): with it every kubelet is
   * dialled over TLS, trusting only the serving certificate its Node publishes. Without it plain
   * gRPC (the tests' kubelets).
   */
  clientCert?: { cert: string; key: string };
}

export const DEFAULT_KUBELET_PORT = 10250;

/** The serving certificate (PEM) the node's kubelet published, which is the one trusted for it. */
export function pinnedServingCert(node: Node): string {
  const pem = node.metadata.annotations?.[KUBELET_SERVING_CERT_ANNOTATION];
  if (!pem)
    throw new ApiError(
      'ServiceUnavailable',
      `node "${node.metadata.name}" publishes no kubelet serving certificate (annotation ${KUBELET_SERVING_CERT_ANNOTATION}); is its kubelet running?`,
    );
  return pem;
}

/**
 * TLS to a kubelet: the apiserver's client certificate, and the peer must present exactly the
 * node's published certificate (its own trust anchor; the address is checked by that pin).
 */
export function kubeletCredentials(pinned: string, client: { cert: string; key: string }): grpc.ChannelCredentials {
  const want = new X509Certificate(pinned).fingerprint256;
  return grpc.credentials.createSsl(Buffer.from(pinned), Buffer.from(client.key), Buffer.from(client.cert), {
    checkServerIdentity: (_host, peer) =>
      peer.fingerprint256 === want
        ? undefined
        : new Error(
            `the kubelet presented a certificate other than the one its Node publishes (${peer.fingerprint256})`,
          ),
  });
}

function realDial(
  clientCert: { cert: string; key: string } | undefined,
): (address: string, node: Node) => KubeletClient {
  const Ctor = kubeletService();
  return (address, node) =>
    new Ctor(
      address,
      clientCert ? kubeletCredentials(pinnedServingCert(node), clientCert) : grpc.credentials.createInsecure(),
      CHANNEL_OPTIONS,
    ) as unknown as KubeletClient;
}

/** The cache key of a node's client: its address and the certificate it is pinned to. */
function clientKey(address: string, node: Node, tls: boolean): string {
  if (!tls) return address;
  return `${address}#${createHash('sha256')
    .update(node.metadata.annotations?.[KUBELET_SERVING_CERT_ANNOTATION] ?? '')
    .digest('hex')}`;
}

/** "host:port" of a Node's kubelet, from its status. */
export function kubeletAddress(node: Node): string {
  const st = node.status as
    | { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } }
    | undefined;
  const ip = st?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip)
    throw new ApiError(
      'ServiceUnavailable',
      `node "${node.metadata.name}" has no InternalIP address; is its kubelet running?`,
    );
  const port = st?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export class KubeletConnector {
  private readonly clients = new Map<string, KubeletClient>();
  private readonly dial: (address: string, node: Node) => KubeletClient;

  constructor(private readonly o: KubeletConnectorOptions) {
    this.dial = o.dial ?? realDial(o.clientCert);
  }

  async pod(key: PodKey): Promise<Pod> {
    return (await this.o.registry.get('pods', key.namespace, key.name)) as Pod;
  }

  /** The kubelet client for the node running the pod, and the pod's reference. */
  async forPod(key: PodKey | Pod): Promise<{ client: KubeletClient; ref: PodRef }> {
    const pod = 'metadata' in key ? key : await this.pod(key);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw new ApiError('BadRequest', `pod ${pod.metadata.name} does not have a host assigned`);
    return {
      client: await this.forNode(nodeName),
      ref: {
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name ?? '',
        uid: pod.metadata.uid ?? '',
      },
    };
  }

  async forNode(nodeName: string): Promise<KubeletClient> {
    const node = (await this.o.registry.get('nodes', '', nodeName)) as Node;
    const address = kubeletAddress(node);
    // A restarted kubelet publishes a new serving certificate: a new client, the old one closed.
    const key = clientKey(address, node, !!this.o.clientCert);
    let c = this.clients.get(key);
    if (!c) {
      this.o.log.debug({ node: nodeName, address }, 'connecting to kubelet');
      c = this.dial(address, node);
      for (const [k, old] of this.clients) if (k.split('#')[0] === address) old.close(), this.clients.delete(k);
      this.clients.set(key, c);
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
    const key = (pod: KubeObject): PodKey => ({
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name ?? '',
    });
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
      client.Stats({ pod: pod ?? null }, (err, res) =>
        err || !res ? reject(ApiError.from(err ?? new Error('empty stats answer'))) : resolve(res),
      );
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
