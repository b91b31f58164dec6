/**
 * Pieces of REST authentication (authn.ts puts them together): the bearer token of a request,
 * the admin token compared in constant time, and the paths anonymous callers may read (the health
 * and version endpoints, as upstream's `system:public-info-viewer` role allows).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from './respond.js';

const PUBLIC_ROOTS = ['/healthz', '/livez', '/readyz'];

/** Paths anyone may read: /healthz, /livez, /readyz (and their checks below), /version. */
export function isPublicPath(pathname: string): boolean {
  if (pathname === '/version' || pathname === '/version/') return true;
  return PUBLIC_ROOTS.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/** Constant-time comparison (over digests, so that lengths leak nothing either). */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined || expected === '') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

export const UNAUTHORIZED_STATUS = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
} as const;

export function sendUnauthorized(res: ServerResponse): void {
  sendJson(res, 401, UNAUTHORIZED_STATUS);
}
