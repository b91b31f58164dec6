/**
 * Who is asking, for a REST request, as upstream's union of authenticators: a client certificate
 * the cluster CA signed (CN the user, O the groups: upstream's x509 authenticator), else a bearer
 * token (the admin token, a bootstrap token `<id>.<secret>`, or a ServiceAccount token: a JWT), else anonymous on the public
 * paths only (also with a token that is not valid: the health checks stay open). Authenticated users are also in system:authenticated. Without an admin token
 * configured (the plain-HTTP test harnesses) every caller is the admin.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ADMIN_USER, ANONYMOUS_USER, GROUPS, type UserInfo } from '../auth/user.js';
import { BOOTSTRAP_TOKEN_RE } from '../auth/bootstrap-token.js';
import { bearerToken, isPublicPath, tokenMatches } from './auth.js';
import { JWT_RE } from '../serviceaccount/jwt.js';

export interface RestAuthentication {
  /** The admin bearer token; without one every request is the admin's. */
  token?: string;
  /** Resolves a bootstrap token to its identity (authenticateBootstrapToken). */
  bootstrapTokens?: (token: string) => Promise<UserInfo | undefined>;
  /** Resolves a ServiceAccount token (a JWT) to its identity (serviceaccount/authenticator.ts). */
  serviceAccountTokens?: (token: string) => Promise<UserInfo | undefined>;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The identity in a verified client certificate, if the connection presented one. */
export function certificateUser(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  const cn = list(cert?.subject?.CN)[0];
  if (!cn) return undefined;
  return { name: cn, groups: [...new Set([...list(cert.subject.O), GROUPS.authenticated])] };
}

/** The caller's identity, or undefined when the request must be refused with 401. */
export async function authenticate(
  req: IncomingMessage,
  pathname: string,
  opts: RestAuthentication,
): Promise<UserInfo | undefined> {
  if (opts.token === undefined) return ADMIN_USER;
  const fromCert = certificateUser(req);
  if (fromCert) return fromCert;
  const bearer = bearerToken(req.headers.authorization);
  if (bearer !== undefined) {
    if (tokenMatches(opts.token, bearer)) return ADMIN_USER;
    const user =
      opts.bootstrapTokens && BOOTSTRAP_TOKEN_RE.test(bearer) ? await opts.bootstrapTokens(bearer) : undefined;
    if (user) return user;
    const sa = opts.serviceAccountTokens && JWT_RE.test(bearer) ? await opts.serviceAccountTokens(bearer) : undefined;
    if (sa) return sa;
  }
  return isPublicPath(pathname) ? ANONYMOUS_USER : undefined;
}
