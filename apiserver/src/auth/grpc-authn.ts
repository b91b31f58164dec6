/**
 * Authentication of the apiserver's gRPC calls (port 7000), as upstream's union authenticator:
 * a client certificate the cluster CA signed (CN = user, O = groups), else an `authorization:
 * Bearer <token>` metadata entry (the admin token, then each token authenticator in turn: the
 * bootstrap-token Secrets), else the call is refused with UNAUTHENTICATED. The identity is recorded with
 * setGrpcUser for authorization to read.
 */
import { X509Certificate } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { ApiError } from '@kubelab/proto';
import {
  authenticatedService,
  bearerFromMetadata,
  certificateIdentity,
  type CallAuthContext,
} from '@kubelab/client/grpc-auth';
import { tokenMatches } from '../rest/auth.js';
import { ADMIN_USER, setGrpcUser, type UserInfo } from './user.js';

/** Resolves a bearer token to its identity, or undefined when the token is not one of its kind. */
export type TokenAuthenticator = (token: string) => Promise<UserInfo | undefined>;

export interface GrpcAuthn {
  /** The cluster CA (PEM) client certificates must chain to. */
  caCert: string;
  adminToken: string;
  /** Tried in order after the admin token (bootstrap tokens). */
  tokens: TokenAuthenticator[];
}

export const NO_CREDENTIALS =
  'the apiserver accepts a gRPC call only with a client certificate signed by the cluster CA or an "authorization: Bearer <token>" metadata entry; this call carried neither';

export async function authenticateCall(
  call: { getAuthContext(): CallAuthContext | null; metadata: grpc.Metadata },
  a: GrpcAuthn & { ca: X509Certificate },
): Promise<UserInfo> {
  const fromCert = certificateIdentity(call, a.ca);
  if (fromCert) return fromCert;
  const token = bearerFromMetadata(call.metadata);
  if (token === undefined) throw new ApiError('Unauthorized', NO_CREDENTIALS);
  if (tokenMatches(a.adminToken, token)) return ADMIN_USER;
  for (const auth of a.tokens) {
    const user = await auth(token);
    if (user) return user;
  }
  throw new ApiError(
    'Unauthorized',
    'the bearer token is not valid (unknown, expired or deleted): ask the cluster admin for a current one (kubelab token create)',
  );
}

/** The service's handlers, each call authenticated first (see the file comment). */
export function authenticatedHandlers(
  service: grpc.ServiceDefinition,
  impl: grpc.UntypedServiceImplementation,
  a: GrpcAuthn,
): grpc.UntypedServiceImplementation {
  const withCa = { ...a, ca: new X509Certificate(a.caCert) };
  return authenticatedService(service, impl, (call) => authenticateCall(call, withCa), setGrpcUser);
}
