import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Absolute path of the .proto file shipped with this package. */
export const PROTO_PATH = fileURLToPath(new URL('../proto/kubelab.proto', import.meta.url));

let cached: grpc.GrpcObject | undefined;

/** Loads the kubelab.v1 package once per process. */
export function loadKubelabPackage(): grpc.GrpcObject {
  if (!cached) {
    const def = protoLoader.loadSync(PROTO_PATH, {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const root = grpc.loadPackageDefinition(def);
    cached = (root.kubelab as grpc.GrpcObject).v1 as grpc.GrpcObject;
  }
  return cached;
}

/** The Resources service definition, for servers (addService) and clients. */
export function resourcesService(): grpc.ServiceClientConstructor {
  return loadKubelabPackage().Resources as grpc.ServiceClientConstructor;
}

/**
 * The HTTP/2 receive window of a client's streams and connection (grpc-js' default is 64 KiB:
 * a watch stream then carries 64 KiB per round trip of the reader's event loop, a few hundred
 * pod events a second, and falls seconds behind under a rollout).
 */
export const FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;

/** gRPC channel options used by every kubelab client and server (keepalive so dead peers are noticed). */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // A restarted apiserver is found again within 2 s (grpc-js would back off up to 120 s).
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
};

/** Server options: accept the clients' keepalive pings without calling them abusive. */
export const SERVER_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};

/** The Kubelet service definition (logs, exec/attach, port-forward, stats), served by every kubelet. */
export function kubeletService(): grpc.ServiceClientConstructor {
  return loadKubelabPackage().Kubelet as grpc.ServiceClientConstructor;
}
