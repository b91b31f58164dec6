/**
 * The apiserver's own Prometheus metrics, served at GET /metrics (text format 0.0.4), as upstream
 * names them: apiserver_request_total{verb,group,version,resource,subresource,scope,component,code}
 * and apiserver_request_duration_seconds (long-running watch and connect requests left out of the
 * histogram, as upstream's SLO metrics do), for the REST API; the same pair for the components'
 * gRPC API (component "grpc", the method as verb); and the process' own (memory, CPU, event loop).
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Attributes } from '../auth/attributes.js';

const LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
type Label = (typeof LABELS)[number];
type Labels = Record<Label, string>;

/** Upstream's buckets (seconds), trimmed at 60 s. */
const BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
];
/** Long-running verbs, left out of the histogram: REST's, and the gRPC API's Watch. */
const LONG_RUNNING = new Set(['WATCH', 'CONNECT', 'Watch']);

/** Upstream's verbs: GET is LIST on a collection, WATCH when watching; exec and the like CONNECT. */
export function restVerb(a: Attributes): string {
  if (!a.resourceRequest) return a.verb.toUpperCase();
  if (['exec', 'attach', 'portforward', 'proxy'].includes(a.subresource)) return 'CONNECT';
  if (a.verb === 'watch') return 'WATCH';
  if (a.verb === 'list') return 'LIST';
  if (a.verb === 'create') return 'POST';
  if (a.verb === 'update') return 'PUT';
  if (a.verb === 'deletecollection') return 'DELETE';
  return a.verb.toUpperCase();
}

function restLabels(a: Attributes): Labels {
  const scope = !a.resourceRequest ? '' : a.name ? 'resource' : a.namespace ? 'namespace' : 'cluster';
  return {
    verb: restVerb(a),
    group: a.resourceRequest ? a.apiGroup : '',
    version: a.resourceRequest ? a.apiVersion : '',
    resource: a.resourceRequest ? a.resource : '',
    subresource: a.resourceRequest ? a.subresource : '',
    scope,
    component: 'apiserver',
  };
}

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly total = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, group, version, resource, scope, component, and HTTP response code (gRPC: its status name).',
    labelNames: [...LABELS, 'code'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, group, version, resource, subresource, scope and component (watch and connect requests left out).',
    labelNames: [...LABELS],
    buckets: BUCKETS,
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** One REST request, answered with `code` after `seconds`. */
  rest(a: Attributes, code: number, seconds: number): void {
    this.observe(restLabels(a), String(code), seconds);
  }

  /** One gRPC call (the components' API): `method` of `resource`, ended with gRPC status `code`. */
  grpc(method: string, resource: string, code: string, seconds: number): void {
    const labels = { verb: method, group: '', version: '', resource, subresource: '', scope: '', component: 'grpc' };
    this.observe(labels, code, seconds);
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private observe(labels: Labels, code: string, seconds: number): void {
    this.total.inc({ ...labels, code });
    if (!LONG_RUNNING.has(labels.verb)) this.duration.observe(labels, seconds);
  }
}
