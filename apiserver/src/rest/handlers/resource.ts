/**
 * Dispatch of a resource URL by method and subresource to its handler, with upstream's 404/405
 * answers for what is not served. Verbs come from the RESOURCES table, so discovery and
 * behaviour agree.
 */
import type { RequestContext } from '../context.js';
import type { ResourceRoute } from '../paths.js';
import { assertSelectors, isWatch } from '../query.js';
import { errMethodNotAllowed, errNotFoundPath } from '../respond.js';
import { patchObject } from './patch.js';
import { getObject, listObjects } from './read.js';
import { createEviction } from './eviction.js';
import { createToken } from './token.js';
import { createBinding, getScale, patchScale, patchStatus, podLog, putScale, putStatus } from './subresources.js';
import { serveWatch } from './watch.js';
import { converterFor } from '@kubelab/api';
import { registryFor } from '../conversion.js';
import { createObject, deleteCollection, deleteObject, updateObject } from './write.js';

type Handler = () => Promise<void>;

function allowed(verbs: readonly string[], verb: string, h: Handler): Handler {
  return verbs.includes(verb)
    ? h
    : () => {
        throw errMethodNotAllowed();
      };
}

function collectionHandler(ctx: RequestContext, route: ResourceRoute): Handler | undefined {
  const { verbs, namespaced } = route.info;
  const allNamespaces = namespaced && route.namespace === '';
  switch (ctx.method) {
    case 'GET':
      return isWatch(ctx.query)
        ? allowed(verbs, 'watch', () => serveWatch(ctx, route))
        : allowed(verbs, 'list', () => listObjects(ctx, route));
    case 'POST':
      return allNamespaces ? undefined : allowed(verbs, 'create', () => createObject(ctx, route));
    case 'DELETE':
      return allNamespaces ? undefined : allowed(verbs, 'deletecollection', () => deleteCollection(ctx, route));
    default:
      return undefined;
  }
}

function itemHandler(ctx: RequestContext, route: ResourceRoute, name: string): Handler | undefined {
  const { verbs } = route.info;
  switch (ctx.method) {
    case 'GET':
      return isWatch(ctx.query)
        ? allowed(verbs, 'watch', () => serveWatch(ctx, route))
        : allowed(verbs, 'get', () => getObject(ctx, route, name));
    case 'PUT':
      return allowed(verbs, 'update', () => updateObject(ctx, route, name));
    case 'PATCH':
      return allowed(verbs, 'patch', () => patchObject(ctx, route, name));
    case 'DELETE':
      return allowed(verbs, 'delete', () => deleteObject(ctx, route, name));
    default:
      return undefined;
  }
}

function subresourceHandler(ctx: RequestContext, route: ResourceRoute, name: string, sub: string): Handler | undefined {
  const m = ctx.method;
  const named = { ...route, name };
  switch (sub) {
    case 'status':
      if (m === 'GET') return () => getObject(ctx, named, name);
      if (m === 'PUT') return () => putStatus(ctx, route, name);
      if (m === 'PATCH') return () => patchStatus(ctx, route, name);
      return undefined;
    case 'approval':
      if (m === 'GET') return () => getObject(ctx, named, name);
      if (m === 'PUT') return () => putStatus(ctx, route, name, 'approval');
      if (m === 'PATCH') return () => patchStatus(ctx, route, name, 'approval');
      return undefined;
    case 'scale':
      if (m === 'GET') return () => getScale(ctx, route, name);
      if (m === 'PUT') return () => putScale(ctx, route, name);
      if (m === 'PATCH') return () => patchScale(ctx, route, name);
      return undefined;
    case 'binding':
      return m === 'POST' ? () => createBinding(ctx, route, name) : undefined;
    case 'eviction':
      return m === 'POST' ? () => createEviction(ctx, route, name) : undefined;
    case 'log':
      return m === 'GET' ? () => podLog(ctx, route, name) : undefined;
    case 'token':
      return m === 'POST' ? () => createToken(ctx, route, name) : undefined;
    default:
      return undefined;
  }
}

/** List, watch and deletecollection select objects: their selectors are checked before anything else. */
function selects(ctx: RequestContext, route: ResourceRoute): boolean {
  if (route.subresource !== undefined) return false;
  if (route.name === undefined) return ctx.method === 'GET' || ctx.method === 'DELETE';
  return ctx.method === 'GET' && isWatch(ctx.query);
}

export async function handleResource(rawCtx: RequestContext, route: ResourceRoute): Promise<void> {
  const ctx = { ...rawCtx, registry: registryFor(rawCtx.registry, route.info) };
  if (selects(ctx, route)) assertSelectors(ctx.query, route.info.resource, converterFor(route.info)?.fieldLabels);
  let handler: Handler | undefined;
  if (route.name === undefined) {
    handler = collectionHandler(ctx, route);
  } else if (route.subresource === undefined) {
    handler = itemHandler(ctx, route, route.name);
  } else {
    const declared = route.info.subresources.find((s) => s.name === route.subresource);
    if (!declared) throw errNotFoundPath();
    handler = subresourceHandler(ctx, route, route.name, route.subresource);
    if (!handler) throw declared.verbs.length ? errMethodNotAllowed() : errNotFoundPath();
  }
  if (!handler) throw errMethodNotAllowed();
  await handler();
}
