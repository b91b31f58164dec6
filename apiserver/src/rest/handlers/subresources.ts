/** Subresources: `status` (GET/PUT/PATCH), `pods/binding` (POST), `pods/log` (podlog.ts), `scale`. */
import { fromLabelSelector, selectorToString, type KubeObject, type LabelSelector } from '@kubelab/api';
import { recordUpdate, writeContext } from '../ssa/hooks.js';
import { ApiError } from '@kubelab/proto';
import type { RequestContext } from '../context.js';
import { readBody } from '../body.js';
import { readTypedBody } from '../decode/object-body.js';
import { addWarnings } from '../decode/strict.js';
import { responseFormat } from '../media.js';
import type { ResourceRoute } from '../paths.js';
import { dryRun } from '../query.js';
import { sendObject, successStatus } from '../respond.js';
import { checkTypeMeta, withTypeMeta } from './objects.js';
import { applyPatch, patchedObject, readModifyWrite, readPatch } from './patch.js';
import { servePodLog } from './podlog.js';
import { readObject } from './write.js';

// ---- status ----

/** PUT of /status (or a CSR's /approval: only its conditions). */
export async function putStatus(
  ctx: RequestContext,
  route: ResourceRoute,
  name: string,
  subresource: 'status' | 'approval' = 'status',
): Promise<void> {
  const obj = await readObject(ctx, { ...route, name }, 'UpdateOptions');
  const { resource } = route.info;
  const result = dryRun(ctx.query)
    ? { ...(await ctx.registry.get(resource, route.namespace, name)), status: obj.status }
    : await ctx.registry.updateStatus(resource, route.namespace, name, obj, { subresource });
  sendObject(ctx.res, 200, withTypeMeta(result as KubeObject, route.info), responseFormat(ctx.accept) ?? 'json');
}

export async function patchStatus(
  ctx: RequestContext,
  route: ResourceRoute,
  name: string,
  subresource: 'status' | 'approval' = 'status',
): Promise<void> {
  const r = { ...route, name };
  const patch = await readPatch(ctx);
  const { resource } = route.info;
  const dry = dryRun(ctx.query);
  const warnings: string[] = [];
  const result = await readModifyWrite(
    () => ctx.registry.get(resource, route.namespace, name),
    (cur) => patchedObject(r, cur, patch, undefined, warnings),
    (next) =>
      dry ? Promise.resolve(next) : ctx.registry.updateStatus(resource, route.namespace, name, next, { subresource }),
  );
  addWarnings(ctx.res, warnings);
  sendObject(ctx.res, 200, withTypeMeta(result, route.info), responseFormat(ctx.accept) ?? 'json');
}

// ---- pods/binding ----

export async function createBinding(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  const b = readTypedBody(
    ctx.res,
    ctx.query,
    await readBody(ctx.req),
    ctx.req.headers['content-type'],
    { apiVersion: 'v1', kind: 'Binding', group: '' },
    'CreateOptions',
  );
  checkTypeMeta(b, 'v1', 'Binding');
  const meta = (b['metadata'] ?? {}) as Record<string, unknown>;
  if (typeof meta['name'] === 'string' && meta['name'] !== '' && meta['name'] !== name) {
    throw new ApiError(
      'BadRequest',
      `the name of the object (${meta['name']}) does not match the name on the URL (${name})`,
    );
  }
  const target = (b['target'] ?? {}) as Record<string, unknown>;
  const node = typeof target['name'] === 'string' ? target['name'] : '';
  if (!node) {
    throw new ApiError('Invalid', `Binding "${name}" is invalid: target.name: Required value`, {
      name,
      kind: 'Binding',
      causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }],
    });
  }
  const uid = typeof meta['uid'] === 'string' && meta['uid'] ? meta['uid'] : undefined;
  if (!dryRun(ctx.query)) await ctx.registry.bind(route.namespace, name, node, uid);
  sendObject(ctx.res, 201, successStatus(201));
}

// ---- pods/log ----

export async function podLog(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  await servePodLog(ctx, route, name);
}

// ---- scale (autoscaling/v1 Scale over spec.replicas) ----

export function toScale(obj: KubeObject): Record<string, unknown> {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: LabelSelector };
  const status = (obj.status ?? {}) as { replicas?: number };
  const m = obj.metadata;
  const metadata: Record<string, unknown> = {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
  };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector: selectorToString(fromLabelSelector(spec.selector)) },
  };
}

function replicasOf(scale: unknown, name: string): { replicas: number; resourceVersion?: string } {
  if (scale === null || typeof scale !== 'object' || Array.isArray(scale))
    throw new ApiError('BadRequest', 'error decoding body: expected a Scale object');
  const s = scale as { metadata?: { resourceVersion?: unknown }; spec?: { replicas?: unknown } };
  const replicas = s.spec?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    const msg =
      typeof replicas === 'number' && replicas < 0 ? 'must be greater than or equal to 0' : 'must be an integer';
    throw new ApiError(
      'Invalid',
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: ${msg}`,
      {
        name,
        group: 'autoscaling',
        kind: 'Scale',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: `Invalid value: ${JSON.stringify(replicas)}: ${msg}`,
            field: 'spec.replicas',
          },
        ],
      },
    );
  }
  const rv = s.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? { replicas, resourceVersion: rv } : { replicas };
}

function withReplicas(obj: KubeObject, replicas: number, resourceVersion?: string): KubeObject {
  const next = { ...obj, spec: { ...((obj.spec ?? {}) as Record<string, unknown>), replicas } };
  if (resourceVersion !== undefined) next.metadata = { ...next.metadata, resourceVersion };
  return next;
}

export async function getScale(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  sendObject(
    ctx.res,
    200,
    toScale(await ctx.registry.get(route.info.resource, route.namespace, name)),
    responseFormat(ctx.accept) ?? 'json',
  );
}

async function writeScale(
  ctx: RequestContext,
  route: ResourceRoute,
  name: string,
  compute: (current: KubeObject) => { replicas: number; resourceVersion?: string },
): Promise<void> {
  const { resource } = route.info;
  const dry = dryRun(ctx.query);
  const result = await readModifyWrite(
    () => ctx.registry.get(resource, route.namespace, name),
    (cur) => {
      const { replicas, resourceVersion } = compute(cur);
      return recordUpdate(
        cur,
        withReplicas(cur, replicas, resourceVersion),
        writeContext(route.info, ctx.query, ctx.req, 'scale'),
      );
    },
    (next) => (dry ? Promise.resolve(next) : ctx.registry.update(resource, route.namespace, name, next, {})),
  );
  sendObject(ctx.res, 200, toScale(result), responseFormat(ctx.accept) ?? 'json');
}

export async function putScale(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  const body = readTypedBody(
    ctx.res,
    ctx.query,
    await readBody(ctx.req),
    ctx.req.headers['content-type'],
    { apiVersion: 'autoscaling/v1', kind: 'Scale', group: 'autoscaling' },
    'UpdateOptions',
  );
  checkTypeMeta(body, 'autoscaling/v1', 'Scale');
  const wanted = replicasOf(body, name);
  await writeScale(ctx, route, name, () => wanted);
}

export async function patchScale(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  const patch = await readPatch(ctx);
  await writeScale(ctx, route, name, (cur) => replicasOf(applyPatch(patch.type, toScale(cur), patch.body), name));
}
