/** POST (create), PUT (update), DELETE of one object, and DELETE of a collection. */
import { apiVersionOf, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { RequestContext } from '../context.js';
import { readBody } from '../body.js';
import { typedBody, type BodyKind } from '../decode/object-body.js';
import { readRequestBody } from '../decode/request-body.js';
import { fieldValidationOf, type OptionsKind } from '../decode/strict.js';
import { responseFormat } from '../media.js';
import type { ResourceRoute } from '../paths.js';
import { deleteDryRun, deleteOptions, listQuery, writeOptions } from '../query.js';
import { sendObject } from '../respond.js';
import { listOf, objectForRoute, withTypeMeta } from './objects.js';
import { recordUpdate, writeContext } from '../ssa/hooks.js';

export const bodyKind = (info: ResourceInfo): BodyKind => ({
  apiVersion: apiVersionOf(info),
  kind: info.kind,
  group: info.group,
});

/**
 * Reads and decodes the body as an object of the route's kind, checked against its schema with
 * the request's fieldValidation (unknown fields dropped, reported as it asks).
 */
export async function readObject(ctx: RequestContext, route: ResourceRoute, options: OptionsKind): Promise<KubeObject> {
  const mode = fieldValidationOf(ctx.query, options);
  const buf = await readBody(ctx.req);
  const { value, strict } = readRequestBody(buf, ctx.req.headers['content-type']);
  const obj = objectForRoute(value, route);
  typedBody(ctx.res, mode, bodyKind(route.info), obj as unknown as Record<string, unknown>, strict);
  return obj;
}

export async function createObject(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const obj = recordUpdate(
    undefined,
    await readObject(ctx, route, 'CreateOptions'),
    writeContext(route.info, ctx.query, ctx.req),
  );
  const created = await ctx.registry.create(route.info.resource, route.namespace, obj, writeOptions(ctx.query));
  sendObject(ctx.res, 201, withTypeMeta(created, route.info), responseFormat(ctx.accept) ?? 'json');
}

/**
 * The stored object an update replaces (its managedFields are the start of the new ones). With the
 * body's resourceVersion R the write only succeeds over revision R (CAS), and the watch cache's copy
 * at R is that very object (a mod revision is one write): it saves the read from etcd. Any other
 * case reads etcd, as before.
 */
async function replaced(
  ctx: RequestContext,
  route: ResourceRoute,
  name: string,
  rv: string | undefined,
): Promise<KubeObject | undefined> {
  const { resource } = route.info;
  if (rv) {
    const cached = await ctx.registry.get(resource, route.namespace, name, { cacheOnly: true }).catch(() => undefined);
    if (cached && cached.metadata.resourceVersion === rv) return cached;
  }
  return ctx.registry.get(resource, route.namespace, name).catch(() => undefined);
}

export async function updateObject(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  let obj = await readObject(ctx, { ...route, name }, 'UpdateOptions');
  const prev = await replaced(ctx, route, name, obj.metadata.resourceVersion);
  obj = recordUpdate(prev, obj, writeContext(route.info, ctx.query, ctx.req));
  const updated = await ctx.registry.update(route.info.resource, route.namespace, name, obj, writeOptions(ctx.query));
  sendObject(ctx.res, 200, withTypeMeta(updated, route.info), responseFormat(ctx.accept) ?? 'json');
}

/** The optional DeleteOptions body (JSON or YAML); an empty body is no options. */
async function readDeleteBody(ctx: RequestContext): Promise<unknown> {
  const buf = await readBody(ctx.req);
  if (buf.length === 0) return undefined;
  return readRequestBody(buf, ctx.req.headers['content-type']).value;
}

export async function deleteObject(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  const body = await readDeleteBody(ctx);
  const opts = deleteOptions(ctx.query, body);
  const dry = deleteDryRun(ctx.query, body);
  const { resource } = route.info;
  const result = dry
    ? await ctx.registry.get(resource, route.namespace, name)
    : await ctx.registry.delete(resource, route.namespace, name, opts);
  // Like upstream: 202 while the deletion is still pending (graceful pod deletion, finalizers).
  const code = result.metadata.deletionTimestamp && !dry ? 202 : 200;
  sendObject(ctx.res, code, withTypeMeta(result, route.info), responseFormat(ctx.accept) ?? 'json');
}

export async function deleteCollection(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const body = await readDeleteBody(ctx);
  const opts = deleteOptions(ctx.query, body);
  const dry = deleteDryRun(ctx.query, body);
  const { resource } = route.info;
  const q = listQuery(ctx.query, route.namespace);
  const deleted: KubeObject[] = [];
  let resourceVersion = '';
  for (;;) {
    const page = await ctx.registry.list(resource, q);
    resourceVersion = page.resourceVersion;
    for (const item of page.items) {
      if (dry) {
        deleted.push(item);
        continue;
      }
      try {
        deleted.push(
          await ctx.registry.delete(resource, item.metadata.namespace ?? '', item.metadata.name ?? '', opts),
        );
      } catch (err) {
        // Gone in the meantime: that is what was asked for.
        if (ApiError.from(err).reason !== 'NotFound') throw err;
      }
    }
    if (!page.continue) break;
    // Later pages come from the token (its revision); a resourceVersion next to it is refused.
    q.continue = page.continue;
    delete q.resourceVersion;
    delete q.resourceVersionMatch;
  }
  sendObject(ctx.res, 200, listOf(route.info, deleted, resourceVersion), responseFormat(ctx.accept) ?? 'json');
}
