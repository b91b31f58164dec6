/**
 * How a component proves who it is to the apiserver's gRPC port and checks that it talks to the
 * real apiserver: TLS verifying the apiserver's serving certificate against the cluster CA (its
 * names cover `apiserver`, `apiserver-2`, `apiserver-lb`), with the component's own client
 * certificate and/or a bearer token (`authorization` metadata). Plain, unauthenticated gRPC only
 * when asked for in so many words (`{ insecure: true }`: the unit tests' local servers).
 *
 * From the environment (the compose file mounts each component's own directory):
 *   KUBELAB_API_CA_FILE     the cluster CA certificate (required unless KUBELAB_API_INSECURE=1)
 *   KUBELAB_API_CERT_FILE, KUBELAB_API_KEY_FILE   the component's client certificate and key
 *   KUBELAB_API_TOKEN_FILE  a bearer token (the admin token, or a kubelet's bootstrap token)
 *   KUBELAB_API_INSECURE=1  plain gRPC without credentials (tests only)
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';

export type ApiCredentials =
  | { insecure: true }
  | {
      insecure?: false;
      /** PEM of the CA the apiserver's serving certificate must chain to. */
      ca: string;
      /** PEM client certificate and key (both or neither). */
      cert?: string;
      key?: string;
      /** Sent as `authorization: Bearer <token>` on every call. */
      token?: string;
    };

/** The gRPC channel credentials for `c`. */
export function channelCredentials(c: ApiCredentials): grpc.ChannelCredentials {
  if (c.insecure) return grpc.credentials.createInsecure();
  if (!c.cert !== !c.key)
    throw new Error(
      'a client certificate needs its key and a key its certificate (KUBELAB_API_CERT_FILE and KUBELAB_API_KEY_FILE)',
    );
  const ssl = grpc.credentials.createSsl(
    Buffer.from(c.ca),
    c.key ? Buffer.from(c.key) : null,
    c.cert ? Buffer.from(c.cert) : null,
  );
  const token = c.token;
  if (!token) return ssl;
  const bearer = grpc.credentials.createFromMetadataGenerator((_params, cb) => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    cb(null, md);
  });
  return grpc.credentials.combineChannelCredentials(ssl, bearer);
}

type Env = Record<string, string | undefined>;

function readSetting(env: Env, name: string): string | undefined {
  const path = env[name]?.trim();
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${name}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** The credentials the environment names (see the file comment); a clear error when they are missing. */
export function credentialsFromEnv(env: Env = process.env): ApiCredentials {
  if (env.KUBELAB_API_INSECURE === '1') return { insecure: true };
  const ca = readSetting(env, 'KUBELAB_API_CA_FILE');
  if (!ca)
    throw new Error(
      "KUBELAB_API_CA_FILE: Required value: the cluster CA certificate that the apiserver's certificate must chain to (KUBELAB_API_INSECURE=1 for plain gRPC in tests)",
    );
  const cert = readSetting(env, 'KUBELAB_API_CERT_FILE');
  const key = readSetting(env, 'KUBELAB_API_KEY_FILE');
  const token = readSetting(env, 'KUBELAB_API_TOKEN_FILE')?.trim();
  if (!cert && !token)
    throw new Error(
      'KUBELAB_API_CERT_FILE (with KUBELAB_API_KEY_FILE) or KUBELAB_API_TOKEN_FILE: Required value: the apiserver accepts no call without credentials',
    );
  return { ca, ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(token ? { token } : {}) };
}
