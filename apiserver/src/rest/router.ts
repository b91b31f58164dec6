/**
 * The top-level router: health, metrics and version, discovery, OpenAPI, then resource URLs. Each concern
 * lives in its own module; this file only maps paths to them.
 */
import type { RequestContext } from './context.js';
import { CRD_LIST_PATH, emptyCrdList } from './crd.js';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from './discovery.js';
import { handleResource } from './handlers/resource.js';
import { aggregatedDiscoveryVersion } from './media.js';
import { OPENAPI_V2_PROTO_TYPE, openapiV2Json, openapiV2Protobuf } from './openapi/v2.js';
import { openapiV3Document, openapiV3Index, parseV3Key } from './openapi/v3.js';
import { parsePath } from './paths.js';
import { serveHealth } from './health.js';
import { errMethodNotAllowed, errNotFoundPath, sendBytes, sendJson, sendText } from './respond.js';
import { servesGroupVersion } from './paths.js';
import { matchStreamPath, rejectPlainStreamRequest } from './streams/dispatch.js';
import { serveMetrics } from './metrics/serve.js';
import { versionInfo } from './version.js';
import { serveReviews } from './handlers/reviews.js';
import { serveAccessReviews } from './handlers/access-reviews.js';

const HEALTH = new Set(['/healthz', '/readyz', '/livez']);

function requireGet(ctx: RequestContext): void {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw errMethodNotAllowed();
}

function serverAddress(ctx: RequestContext): string {
  // HTTP/2 names the host in :authority.
  const authority = ctx.req.headers[':authority'];
  const host = ctx.req.headers.host ?? (typeof authority === 'string' ? authority : undefined);
  if (host) return host;
  const s = ctx.req.socket;
  return `${s.localAddress ?? '127.0.0.1'}:${s.localPort ?? 0}`;
}

function serveOpenApi(ctx: RequestContext, path: string): boolean {
  if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
    requireGet(ctx);
    const wantsJson =
      (ctx.req.headers.accept ?? '').includes('application/json') &&
      !(ctx.req.headers.accept ?? '').includes('protobuf');
    if (wantsJson) sendJson(ctx.res, 200, openapiV2Json());
    else sendBytes(ctx.res, 200, openapiV2Protobuf(), OPENAPI_V2_PROTO_TYPE);
    return true;
  }
  if (path === '/openapi/v3') {
    requireGet(ctx);
    sendJson(ctx.res, 200, openapiV3Index());
    return true;
  }
  if (path.startsWith('/openapi/v3/')) {
    requireGet(ctx);
    const gv = parseV3Key(path.slice('/openapi/v3/'.length));
    if (!gv || !servesGroupVersion(gv.group, gv.version)) throw errNotFoundPath();
    sendJson(ctx.res, 200, openapiV3Document(gv.group, gv.version));
    return true;
  }
  return false;
}

export async function route(ctx: RequestContext): Promise<void> {
  const path = ctx.url.pathname.replace(/\/+$/, '') || '/';
  if (HEALTH.has(path) || path.startsWith('/healthz/') || path.startsWith('/readyz/') || path.startsWith('/livez/')) {
    requireGet(ctx);
    if (!(await serveHealth(ctx.res, ctx.registry, path, ctx.url.searchParams)))
      sendText(ctx.res, 404, '404 page not found\n');
    return;
  }
  if (path === '/metrics' && ctx.metrics) {
    requireGet(ctx);
    const text = await ctx.metrics.text();
    ctx.res.writeHead(200, { 'Content-Type': ctx.metrics.contentType });
    ctx.res.end(text);
    return;
  }
  if (path === '/version') {
    requireGet(ctx);
    sendJson(ctx.res, 200, versionInfo());
    return;
  }
  if (serveOpenApi(ctx, path)) return;
  if (path === CRD_LIST_PATH && !ctx.query.has('watch')) {
    requireGet(ctx);
    sendJson(ctx.res, 200, emptyCrdList());
    return;
  }

  if (await serveMetrics(ctx, path)) return;

  if (
    ctx.authorizer &&
    ((await serveReviews(ctx, path, ctx.authorizer)) || (await serveAccessReviews(ctx, path, ctx.authorizer)))
  )
    return;

  const stream = matchStreamPath(path);
  if (stream) await rejectPlainStreamRequest(ctx.registry, stream, ctx.query, ctx.method);

  const parsed = parsePath(path);
  switch (parsed.kind) {
    case 'apiVersions':
    case 'groupList': {
      requireGet(ctx);
      const agg = aggregatedDiscoveryVersion(ctx.accept);
      if (agg) {
        const root = parsed.kind === 'apiVersions' ? 'api' : 'apis';
        sendJson(ctx.res, 200, aggregatedDiscovery(root, agg), aggregatedContentType(agg));
      } else {
        sendJson(ctx.res, 200, parsed.kind === 'apiVersions' ? apiVersions(serverAddress(ctx)) : apiGroupList());
      }
      return;
    }
    case 'group':
      requireGet(ctx);
      sendJson(ctx.res, 200, apiGroupDocument(parsed.group));
      return;
    case 'resourceList':
      requireGet(ctx);
      sendJson(ctx.res, 200, apiResourceList(parsed.group, parsed.version));
      return;
    case 'resource':
      await handleResource(ctx, parsed.route);
      return;
    case 'unknown':
      throw errNotFoundPath();
  }
}
