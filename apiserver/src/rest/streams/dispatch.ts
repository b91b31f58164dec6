/**
 * The REST side of pods/{name}/exec, /attach and /portforward: URL matching, the upstream
 * pre-checks (pod exists, container valid, pod running and bound), the 400 for plain requests,
 * and handing upgrade requests to the protocol handlers with backends from StreamBackends.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { Registry } from '../../registry/types.js';
import { handleExecUpgrade } from './exec.js';
import { handlePortForwardUpgrade } from './portforward.js';
import type { StreamBackends } from './types.js';
import { rejectUpgrade, upgradeRequired } from './upgrade.js';

export type StreamSubresource = 'exec' | 'attach' | 'portforward';

export interface StreamPath {
  namespace: string;
  name: string;
  subresource: StreamSubresource;
}

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)\/?$/;

export function matchStreamPath(pathname: string): StreamPath | undefined {
  const m = PATH.exec(pathname);
  if (!m) return undefined;
  try {
    return {
      namespace: decodeURIComponent(m[1]!),
      name: decodeURIComponent(m[2]!),
      subresource: m[3] as StreamSubresource,
    };
  } catch {
    return undefined;
  }
}

interface PodSpecLike {
  nodeName?: string;
  containers?: { name: string }[];
  initContainers?: { name: string }[];
  ephemeralContainers?: { name: string }[];
}

/** Upstream's container defaulting and validation (pkg/registry/core/pod/strategy.go). */
export function resolveContainer(pod: KubeObject, requested: string): string {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  const name = pod.metadata.name ?? '';
  const containers = (spec.containers ?? []).map((c) => c.name);
  if (requested === '') {
    if (containers.length === 1) return containers[0]!;
    if (containers.length === 0) throw new ApiError('BadRequest', `a container name must be specified for pod ${name}`);
    let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    const init = (spec.initContainers ?? []).map((c) => c.name);
    if (init.length > 0) msg += ` or one of the init containers: [${init.join(' ')}]`;
    throw new ApiError('BadRequest', msg);
  }
  const all = [
    ...containers,
    ...(spec.initContainers ?? []).map((c) => c.name),
    ...(spec.ephemeralContainers ?? []).map((c) => c.name),
  ];
  if (!all.includes(requested)) throw new ApiError('BadRequest', `container ${requested} is not valid for pod ${name}`);
  return requested;
}

function checkRunning(pod: KubeObject, sub: StreamSubresource, container: string): void {
  const name = pod.metadata.name ?? '';
  const spec = (pod.spec ?? {}) as PodSpecLike;
  if (!spec.nodeName) throw new ApiError('BadRequest', `pod ${name} does not have a host assigned`);
  const phase = ((pod.status ?? {}) as { phase?: string }).phase ?? 'Pending';
  if (phase === 'Running') return;
  if (sub === 'portforward')
    throw new ApiError('BadRequest', `unable to forward port because pod is not running. Current status=${phase}`);
  if (phase === 'Succeeded' || phase === 'Failed')
    throw new ApiError(
      'BadRequest',
      `cannot ${sub === 'exec' ? 'exec into' : 'attach to'} a container in a completed pod; current phase is ${phase}`,
    );
  throw new ApiError('BadRequest', `unable to upgrade connection: container not found ("${container}")`);
}

function checkMethod(method: string | undefined): void {
  const m = (method ?? 'GET').toUpperCase();
  if (m !== 'GET' && m !== 'POST')
    throw new ApiError('MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

/** Pre-checks shared by plain and upgrade requests; returns the pod and resolved container. */
export async function precheck(
  registry: Registry,
  path: StreamPath,
  query: URLSearchParams,
  method: string | undefined,
): Promise<{ pod: KubeObject; container: string }> {
  checkMethod(method);
  const pod = await registry.get('pods', path.namespace, path.name);
  const container = path.subresource === 'portforward' ? '' : resolveContainer(pod, query.get('container') ?? '');
  checkRunning(pod, path.subresource, container);
  return { pod, container };
}

/** A stream subresource requested without an upgrade: the pre-checks' error, else 400. */
export async function rejectPlainStreamRequest(
  registry: Registry,
  path: StreamPath,
  query: URLSearchParams,
  method: string,
): Promise<never> {
  await precheck(registry, path, query, method);
  throw upgradeRequired();
}

export interface StreamUpgradeContext {
  registry: Registry;
  streams?: StreamBackends;
  log: Logger;
}

/** Serves an upgrade request for a stream subresource. Never throws. */
export async function serveStreamUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  path: StreamPath,
  ctx: StreamUpgradeContext,
): Promise<void> {
  const log = ctx.log.child({ pod: `${path.namespace}/${path.name}`, sub: path.subresource });
  socket.on('error', (err) => log.debug({ err: err.message }, 'stream socket error'));
  log.debug(
    { method: req.method, upgrade: req.headers.upgrade, protocols: req.headers['sec-websocket-protocol'] },
    'stream upgrade request',
  );
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { pod, container } = await precheck(ctx.registry, path, url.searchParams, req.method);
    if (!ctx.streams) throw new ApiError('ServiceUnavailable', 'streaming is not available');
    if (path.subresource === 'portforward') {
      const backend = await ctx.streams.portForward(pod);
      await handlePortForwardUpgrade(req, socket, head, { backend, podName: `${path.namespace}/${path.name}`, log });
      return;
    }
    const sub = path.subresource;
    const backend = await (sub === 'exec' ? ctx.streams.exec(pod, container) : ctx.streams.attach(pod, container));
    await handleExecUpgrade(req, socket, head, { subresource: sub, query: url.searchParams, backend, container, log });
  } catch (err) {
    if (!(err instanceof ApiError)) log.error({ err }, 'stream upgrade failed');
    else log.debug({ method: req.method, upgrade: req.headers.upgrade, err: err.message }, 'stream upgrade refused');
    rejectUpgrade(socket, err);
  }
}
