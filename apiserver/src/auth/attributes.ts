/**
 * What a request asks to do, as upstream's `authorizer.Attributes`: who (user), the verb, and
 * either a resource (apiGroup, resource, subresource, namespace, name) or a non-resource path.
 * Built from REST requests (rest/attributes.ts) and gRPC calls (grpc/attributes.ts).
 */
import { ApiError } from '@kubelab/proto';
import type { UserInfo } from './user.js';

export interface Attributes {
  user: UserInfo;
  /** get list watch create update patch delete deletecollection (resources); the lower-case HTTP method (paths). */
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  /** "" for cluster-scoped requests and lists across all namespaces. */
  namespace: string;
  name: string;
  /** The URL path of a non-resource request ("" for resource requests). */
  path: string;
}

/** Attributes of a resource request; the fields not given are "". */
export function resourceAttributes(
  user: UserInfo,
  verb: string,
  r: Partial<Omit<Attributes, 'user' | 'verb' | 'resourceRequest' | 'path'>> & { resource: string },
): Attributes {
  return {
    user,
    verb,
    resourceRequest: true,
    apiGroup: r.apiGroup ?? '',
    apiVersion: r.apiVersion ?? '',
    resource: r.resource,
    subresource: r.subresource ?? '',
    namespace: r.namespace ?? '',
    name: r.name ?? '',
    path: '',
  };
}

export function pathAttributes(user: UserInfo, verb: string, path: string): Attributes {
  return {
    user,
    verb,
    resourceRequest: false,
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    path,
  };
}

/** Upstream's wording (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go). */
export function forbiddenMessage(a: Attributes): string {
  const who = a.user.name;
  if (!a.resourceRequest) return `User "${who}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${who}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
}

/**
 * The 403 upstream answers: `pods "x" is forbidden: <message>[: <reason>]`, details {group, kind:
 * the resource, name}; a non-resource path is `forbidden: <message>`.
 */
export function forbidden(a: Attributes, reason = ''): ApiError {
  const msg = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!a.resourceRequest) return new ApiError('Forbidden', `forbidden: ${msg}`, {});
  return forbiddenFor(a.apiGroup, a.resource, a.name, msg);
}

/** `<resource>[.<group>] ["name"] is forbidden: <why>`, as upstream's errors.NewForbidden. */
export function forbiddenFor(group: string, resource: string, name: string, why: string): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  const message = name ? `${qualified} "${name}" is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  const details: { group?: string; kind: string; name?: string } = { kind: resource };
  if (group) details.group = group;
  if (name) details.name = name;
  return new ApiError('Forbidden', message, details);
}
