/**
 * The server half of gRPC authentication, shared by the apiserver (port 7000) and the kubelet
 * (10250): TLS credentials that ask every client for a certificate and verify it against the
 * cluster CA (requiring one or not), the identity a verified certificate names (CN = user, O =
 * groups), and a wrapper that authenticates every call of a service before its handler runs.
 * Imported as `@kubelab/client/grpc-auth`.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { ApiError } from '@kubelab/proto';
import { certSubject, checkClientCert } from './pki-certs.js';

/**
 * The Node annotation holding the kubelet's self-signed serving certificate (PEM): the apiserver
 * trusts exactly that certificate when it dials the node's kubelet (only the node itself may
 * write its Node object, once authorization restricts nodes).
 */
export const KUBELET_SERVING_CERT_ANNOTATION = 'kubelab.io/kubelet-serving-cert';

/** The only identity the kubelets' server accepts: the apiserver's client certificate. */
export const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';

/** grpc-js's per-call TLS facts (`call.getAuthContext()`). */
export interface CallAuthContext {
  transportSecurityType?: string;
  sslPeerCertificate?: PeerCertificate;
}

/** The identity a call proves (the shape of the apiserver's UserInfo). */
export interface CallIdentity {
  name: string;
  groups: string[];
}

/**
 * Hands out one fixed CA and one fixed key pair to grpc-js's certificate-provider credentials
 * (after the current tick: grpc-js registers its watcher only after adding the listener).
 */
class StaticProvider implements grpc.experimental.CertificateProvider {
  constructor(
    private readonly ca: Buffer,
    private readonly identity: { certificate: Buffer; privateKey: Buffer },
  ) {}
  addCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    setImmediate(() => l({ caCertificate: this.ca }));
  }
  removeCaCertificateListener(): void {}
  addIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    setImmediate(() => l(this.identity));
  }
  removeIdentityCertificateListener(): void {}
}

/**
 * Server TLS with `cert`/`key`, asking each client for a certificate and verifying it against
 * `ca`. `requireClientCert`: without a valid one the handshake fails; otherwise a client without
 * one (or with one the CA did not sign) still connects, and only a verified certificate shows in
 * the call's auth context (`sslPeerCertificate`), so it can authenticate with a bearer token.
 */
export function serverTls(o: {
  ca: string;
  cert: string;
  key: string;
  requireClientCert: boolean;
}): grpc.ServerCredentials {
  const p = new StaticProvider(Buffer.from(o.ca), { certificate: Buffer.from(o.cert), privateKey: Buffer.from(o.key) });
  return grpc.experimental.createCertificateProviderServerCredentials(p, p, o.requireClientCert);
}

interface Verified {
  /** undefined: the connection presented no certificate TLS accepted. */
  identity: CallIdentity | undefined;
  notAfter: number;
  ca: X509Certificate;
}

/** Identities of verified certificates by fingerprint (verifying and parsing costs ~1 ms a call). */
const verified = new Map<string, Verified>();
const VERIFIED_MAX = 1024;
/**
 * What each HTTP/2 connection's certificate proved: TLS fixes the peer's certificate for the
 * connection, and reading it (getPeerCertificate: a new object and three hashes) cost ~4 % of a
 * busy apiserver's CPU when done for every call.
 */
const byConnection = new WeakMap<object, Verified>();

/**
 * The HTTP/2 session a grpc-js server call came on: the handler's call holds the intercepting
 * call, whose chain ends at the one holding the stream. grpc-js does not publish this (1.10 to
 * 1.14 have it so); undefined when the shape differs, and the certificate is then read per call.
 */
function connectionOf(call: object): object | undefined {
  let c: unknown = (call as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && typeof c === 'object' && c !== null; depth++) {
    const stream = (c as { stream?: { session?: unknown } }).stream;
    if (stream !== undefined) {
      const session = typeof stream === 'object' && stream !== null ? stream.session : undefined;
      return typeof session === 'object' && session !== null ? session : undefined;
    }
    c = (c as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

const copyOf = (i: CallIdentity | undefined): CallIdentity | undefined => i && { name: i.name, groups: [...i.groups] };

/**
 * The identity of the call's client certificate, verified (again, here: chain to the CA, validity,
 * usage) against the CA; undefined when the call presented none that TLS accepted. What a
 * connection's certificate proved is kept for the connection's later calls, and a certificate
 * verified before is looked up by its fingerprint; either way its validity is checked each call.
 */
export function certificateIdentity(
  call: { getAuthContext(): CallAuthContext | null },
  ca: X509Certificate,
  now = new Date(),
): CallIdentity | undefined {
  const conn = connectionOf(call);
  const known = conn && byConnection.get(conn);
  if (known && known.ca === ca && now.getTime() <= known.notAfter) return copyOf(known.identity);
  const v = verify(call, ca, now);
  if (conn) byConnection.set(conn, v);
  return copyOf(v.identity);
}

function verify(call: { getAuthContext(): CallAuthContext | null }, ca: X509Certificate, now: Date): Verified {
  const peer = call.getAuthContext()?.sslPeerCertificate;
  if (!peer?.raw) return { identity: undefined, notAfter: Number.POSITIVE_INFINITY, ca };
  const key = peer.fingerprint256;
  const hit = key ? verified.get(key) : undefined;
  if (hit && hit.ca === ca && now.getTime() <= hit.notAfter) return hit;
  const cert = new X509Certificate(peer.raw);
  const why = checkClientCert(cert, ca, now);
  if (why) throw new ApiError('Unauthorized', `client certificate refused: ${why}`);
  const s = certSubject(cert);
  if (!s.cn) throw new ApiError('Unauthorized', 'client certificate refused: it names no user (empty CN)');
  const identity = { name: s.cn, groups: [...new Set([...(s.o ?? []), 'system:authenticated'])] };
  const v = { identity, notAfter: new Date(cert.validTo).getTime(), ca };
  if (key) {
    if (verified.size >= VERIFIED_MAX) verified.clear();
    verified.set(key, v);
  }
  return v;
}

/** The token of `authorization: Bearer <token>` call metadata, if any. */
export function bearerFromMetadata(md: grpc.Metadata): string | undefined {
  const v = md.get('authorization')[0];
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(typeof v === 'string' ? v : '');
  return m?.[1];
}

type AnyCall =
  | grpc.ServerUnaryCall<unknown, unknown>
  | grpc.ServerWritableStream<unknown, unknown>
  | grpc.ServerReadableStream<unknown, unknown>
  | grpc.ServerDuplexStream<unknown, unknown>;

/**
 * `impl` with every call authenticated first: `authenticate` resolves the caller's identity (or
 * throws an ApiError, Unauthorized or Forbidden, which the client gets as its status); `onUser`
 * records it for the handler. Works for every kind of method of `service`.
 */
export function authenticatedService<U>(
  service: grpc.ServiceDefinition,
  impl: grpc.UntypedServiceImplementation,
  authenticate: (call: AnyCall) => Promise<U>,
  onUser: (call: object, user: U) => void,
): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [method, def] of Object.entries(service)) {
    const handler = impl[method] as ((call: AnyCall, cb?: grpc.sendUnaryData<unknown>) => void) | undefined;
    if (!handler) continue;
    const unary = !def.requestStream && !def.responseStream;
    const clientStream = def.requestStream && !def.responseStream;
    out[method] = ((call: AnyCall, cb?: grpc.sendUnaryData<unknown>) => {
      authenticate(call).then(
        (user) => {
          onUser(call, user);
          handler(call, cb);
        },
        (err: unknown) => {
          const status = ApiError.from(err).toGrpc() as grpc.ServiceError;
          if (unary || clientStream) cb?.(status, null);
          else (call as grpc.ServerWritableStream<unknown, unknown>).emit('error', status);
        },
      );
    }) as grpc.UntypedHandleCall;
  }
  return out;
}
