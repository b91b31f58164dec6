/** apiserver settings from the environment, checked up front so that bad values fail clearly. */
import { env } from '@kubelab/client';
import { parseCIDR, parsePortRange } from './registry/allocator.js';
import { DEFAULT_EVENT_TTL_SECONDS, DEFAULT_NODEPORT_RANGE, DEFAULT_SERVICE_CIDR } from './registry/registry.js';

export interface ApiserverConfig {
  etcdEndpoints: string[];
  grpcPort: number;
  restPort: number;
  serviceCIDR: string;
  nodePortRange: string;
  /** Seconds between etcd compactions (0 = never). */
  compactIntervalSeconds: number;
  /** How long an Event lives after its last write (KUBELAB_EVENT_TTL, seconds, upstream's --event-ttl; 0 = for ever). */
  eventTTLSeconds: number;
  /** The PKI directory (KUBELAB_PKI_DIR: CA, serving certificate, tokens; see serving-pki.ts); unset: plain HTTP and gRPC, no auth. */
  pkiDir?: string;
  /** Where the apiserver makes its own PKI when the configured files are missing (KUBELAB_PKI_GENERATE_DIR). */
  pkiGenerateDir: string;
  /** KUBELAB_SERVICE_ACCOUNT_ISSUER (upstream's --service-account-issuer; also the API audience of its tokens). */
  serviceAccountIssuer: string;
  /** KUBELAB_ADVERTISE_ADDRESS: this apiserver's address in the `kubernetes` Service's endpoints; else its address inside KUBELAB_ADVERTISE_CIDR; neither: no endpoints written. */
  advertiseAddress?: string;
  advertiseCidr?: string;
}

function port(name: string, fallback: string): number {
  const v = Number(env(name, fallback));
  if (!Number.isInteger(v) || v < 0 || v > 65535)
    throw new Error(`${name} must be a port number, got ${JSON.stringify(process.env[name])}`);
  return v;
}

export function readConfig(): ApiserverConfig {
  const etcdEndpoints = env('KUBELAB_ETCD', 'http://etcd:2379')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const serviceCIDR = env('KUBELAB_SERVICE_CIDR', DEFAULT_SERVICE_CIDR);
  const nodePortRange = env('KUBELAB_NODEPORT_RANGE', DEFAULT_NODEPORT_RANGE);
  parseCIDR(serviceCIDR);
  parsePortRange(nodePortRange);
  const compactIntervalSeconds = Number(env('KUBELAB_COMPACT_INTERVAL_SECONDS', '300'));
  if (!Number.isFinite(compactIntervalSeconds) || compactIntervalSeconds < 0)
    throw new Error('KUBELAB_COMPACT_INTERVAL_SECONDS must be a number >= 0');
  const eventTTLSeconds = Number(env('KUBELAB_EVENT_TTL', String(DEFAULT_EVENT_TTL_SECONDS)));
  if (!Number.isInteger(eventTTLSeconds) || eventTTLSeconds < 0)
    throw new Error(
      `KUBELAB_EVENT_TTL must be a whole number of seconds >= 0 (how long an Event lives), got ${JSON.stringify(process.env['KUBELAB_EVENT_TTL'])}`,
    );
  const optional = (name: string): string | undefined => env(name, '') || undefined;
  return {
    etcdEndpoints,
    grpcPort: port('KUBELAB_GRPC_PORT', '7000'),
    restPort: port('KUBELAB_REST_PORT', '6443'),
    serviceCIDR,
    nodePortRange,
    compactIntervalSeconds,
    eventTTLSeconds,
    pkiDir: optional('KUBELAB_PKI_DIR'),
    pkiGenerateDir: env('KUBELAB_PKI_GENERATE_DIR', '/var/lib/kubelab/pki'),
    advertiseAddress: optional('KUBELAB_ADVERTISE_ADDRESS'),
    advertiseCidr: optional('KUBELAB_ADVERTISE_CIDR'),
    serviceAccountIssuer: env('KUBELAB_SERVICE_ACCOUNT_ISSUER', 'https://kubernetes.default.svc.cluster.local'),
  };
}
