/** The request-side glue of managedFields: who the manager is, and the write context of a request. */
import { rfc3339, type KubeObject, type ResourceInfo } from '@kubelab/api';
import type { IncomingMessage } from 'node:http';
import { recordUpdate, serverSideApply, type WriteContext } from './managed.js';

/**
 * The manager of a write: `fieldManager`, else (like upstream) the User-Agent up to its first "/",
 * e.g. "kubectl" from "kubectl/v1.33.0 (linux/amd64) kubernetes/…".
 */
export function managerOf(query: URLSearchParams, req: Pick<IncomingMessage, 'headers'>): string {
  const fm = query.get('fieldManager');
  if (fm) return fm;
  const ua = req.headers['user-agent'] ?? '';
  const name = ua.split('/')[0]?.trim() ?? '';
  return name.slice(0, 128) || 'unknown';
}

export function writeContext(
  info: ResourceInfo,
  query: URLSearchParams,
  req: Pick<IncomingMessage, 'headers'>,
  subresource?: string,
): WriteContext {
  const ctx: WriteContext = {
    manager: managerOf(query, req),
    apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
    time: rfc3339(),
  };
  if (subresource) ctx.subresource = subresource;
  return ctx;
}

/** `force=true` on an apply patch. */
export const forceOf = (query: URLSearchParams): boolean => query.get('force') === 'true' || query.get('force') === '1';

export { recordUpdate, serverSideApply };
export type { KubeObject };
