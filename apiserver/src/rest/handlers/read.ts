/** GET of one object or a collection, as the object, a List, or a Table. */
import { ApiError } from '@kubelab/proto';
import type { RequestContext } from '../context.js';
import { responseFormat, tableVersion } from '../media.js';
import type { ResourceRoute } from '../paths.js';
import { getResourceVersion, includeObject, listQuery } from '../query.js';
import { sendJsonBytes, sendObject } from '../respond.js';
import { buildTable } from '../tables/index.js';
import { listOf, typedJson, withTypeMeta } from './objects.js';

function notAcceptable(): ApiError {
  return new ApiError(
    'NotAcceptable',
    'only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io',
  );
}

export async function getObject(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  const table = tableVersion(ctx.accept);
  const format = responseFormat(ctx.accept);
  if (!table && !format) throw notAcceptable();
  const include = includeObject(ctx.query);
  const resourceVersion = getResourceVersion(ctx.query);
  if (resourceVersion && !table && format === 'json') {
    // From the watch cache (when it serves this read): its shared object, serialized once per version.
    const shared = await ctx.registry.get(route.info.resource, route.namespace, name, {
      resourceVersion,
      shared: true,
    });
    sendJsonBytes(ctx.res, 200, typedJson(shared, route.info));
    return;
  }
  const stored = await ctx.registry.get(
    route.info.resource,
    route.namespace,
    name,
    resourceVersion ? { resourceVersion } : undefined,
  );
  const obj = withTypeMeta(stored, route.info);
  if (table) {
    sendObject(
      ctx.res,
      200,
      buildTable(route.info.resource, [obj], {
        version: table,
        includeObject: include,
        resourceVersion: obj.metadata.resourceVersion ?? '',
      }),
    );
    return;
  }
  sendObject(ctx.res, 200, obj, format);
}

export async function listObjects(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const table = tableVersion(ctx.accept);
  const format = responseFormat(ctx.accept);
  if (!table && !format) throw notAcceptable();
  const include = includeObject(ctx.query);
  const page = await ctx.registry.list(route.info.resource, listQuery(ctx.query, route.namespace));
  if (table) {
    const items = page.items.map((o) => withTypeMeta(o, route.info));
    sendObject(
      ctx.res,
      200,
      buildTable(route.info.resource, items, {
        version: table,
        includeObject: include,
        resourceVersion: page.resourceVersion,
        continue: page.continue,
      }),
    );
    return;
  }
  sendObject(ctx.res, 200, listOf(route.info, page.items, page.resourceVersion, page.continue), format);
}
