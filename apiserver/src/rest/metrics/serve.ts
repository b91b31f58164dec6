/** The router's hook for metrics.k8s.io: its discovery documents and its GET endpoints. */
import type { RequestContext } from '../context.js';
import { apiGroupDocument, apiResourceList } from '../discovery.js';
import { errMethodNotAllowed, errNotFoundPath, sendJson } from '../respond.js';
import { cacheOf, metricsResponse, parseMetricsPath } from './handler.js';
import { METRICS_GROUP, METRICS_VERSION } from './resources.js';

const GROUP_PATH = `/apis/${METRICS_GROUP}`;

/** Serves `path` when it belongs to metrics.k8s.io; false otherwise. */
export async function serveMetrics(ctx: RequestContext, path: string): Promise<boolean> {
  if (path !== GROUP_PATH && !path.startsWith(`${GROUP_PATH}/`)) return false;
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw errMethodNotAllowed();
  if (path === GROUP_PATH) {
    sendJson(ctx.res, 200, apiGroupDocument(METRICS_GROUP));
    return true;
  }
  if (path === `${GROUP_PATH}/${METRICS_VERSION}`) {
    sendJson(ctx.res, 200, apiResourceList(METRICS_GROUP, METRICS_VERSION));
    return true;
  }
  const route = parseMetricsPath(path);
  if (!route || ctx.query.get('watch') === 'true' || ctx.query.get('watch') === '1') throw errNotFoundPath();
  const cache = cacheOf(ctx.kubelets, route, ctx.log);
  sendJson(ctx.res, 200, await metricsResponse({ registry: ctx.registry, cache }, route, ctx.query));
  return true;
}
