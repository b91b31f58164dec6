/**
 * Who is asking: the identity every request carries once authenticated, as upstream's
 * `user.Info` (name, uid, groups, extra). Authentication (admin token, client certificates,
 * bootstrap tokens) produces it; authorization and admission read it.
 *
 * Contract between the two halves of the security work:
 * - REST: `RequestContext.user` (set by the server after authentication);
 * - gRPC: `grpcUser(call)` (the server's authentication stores it per call).
 */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Upstream's well-known groups and users. */
export const GROUPS = {
  masters: 'system:masters',
  authenticated: 'system:authenticated',
  unauthenticated: 'system:unauthenticated',
  nodes: 'system:nodes',
  bootstrappers: 'system:bootstrappers',
} as const;

/** The admin token's identity: cluster-admin through system:masters. */
export const ADMIN_USER: UserInfo = { name: 'kubernetes-admin', groups: [GROUPS.masters, GROUPS.authenticated] };

export const ANONYMOUS_USER: UserInfo = { name: 'system:anonymous', groups: [GROUPS.unauthenticated] };

/** The node name of a `system:node:<name>` identity in `system:nodes`, else undefined. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(GROUPS.nodes) || !user.name.startsWith('system:node:')) return undefined;
  return user.name.slice('system:node:'.length) || undefined;
}

const grpcUsers = new WeakMap<object, UserInfo>();

/** Records the authenticated identity of a gRPC call (the server's authentication step). */
export function setGrpcUser(call: object, user: UserInfo): void {
  grpcUsers.set(call, user);
}

/**
 * The identity of a gRPC call: what the TLS server's authentication recorded (auth/grpc-authn.ts,
 * every call of a server with a PKI). A plain-gRPC server (tests, an apiserver without a PKI)
 * authenticates nobody: its calls are the admin's.
 */
export function grpcUser(call: object): UserInfo {
  return grpcUsers.get(call) ?? ADMIN_USER;
}
