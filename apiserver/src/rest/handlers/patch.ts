/**
 * PATCH: read the live object, apply the patch (JSON patch, merge patch, strategic merge patch,
 * or an apply patch treated as "merge into live"), write it back with the resourceVersion that
 * was read, and retry a few times when someone else wrote in between. A patch that sets
 * metadata.resourceVersion itself is a precondition and is not retried.
 */
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { RequestContext } from '../context.js';
import { readBody } from '../body.js';
import { readJson, readYaml, unsupportedMediaType } from '../decode/request-body.js';
import { addWarnings, fieldValidationOf, type FieldValidation } from '../decode/strict.js';
import { PATCH_TYPES, patchTypeOf, responseFormat, type PatchType } from '../media.js';
import type { ResourceRoute } from '../paths.js';
import { writeOptions } from '../query.js';
import { sendObject } from '../respond.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic.js';
import { objectForRoute, withTypeMeta } from './objects.js';
import { checkApplied, checkPatched } from './patch-check.js';
import { forceOf, recordUpdate, serverSideApply, writeContext } from '../ssa/hooks.js';
import type { WriteContext } from '../ssa/managed.js';

export const PATCH_ATTEMPTS = 5;

export interface ParsedPatch {
  type: PatchType;
  body: unknown;
  /** The request's fieldValidation. */
  mode: FieldValidation;
  /** Strict-decoding errors of the patch body itself (duplicate keys, unknown operation fields). */
  strict: string[];
}

const OPERATION_FIELDS = new Set(['op', 'path', 'from', 'value']);

/** Unknown fields of JSON patch operations, as upstream's strict decoding names them. */
function unknownOperationFields(body: unknown): string[] {
  if (!Array.isArray(body)) return [];
  return body.flatMap((op, i) =>
    (op !== null && typeof op === 'object' && !Array.isArray(op)
      ? Object.keys(op).filter((k) => !OPERATION_FIELDS.has(k))
      : []
    ).map((k) => `json patch unknown field "[${i}].${k}"`),
  );
}

export async function readPatch(ctx: RequestContext): Promise<ParsedPatch> {
  const contentType = ctx.req.headers['content-type'];
  const type = patchTypeOf(contentType);
  if (!type) throw unsupportedMediaType(Object.values(PATCH_TYPES));
  const mode = fieldValidationOf(ctx.query, 'PatchOptions');
  const buf = await readBody(ctx.req);
  if (buf.length === 0) throw new ApiError('BadRequest', 'the patch body is empty');
  const { value, strict } = type === 'apply' ? readYaml(buf.toString('utf8')) : readJson(buf.toString('utf8'));
  if (type === 'json') strict.push(...unknownOperationFields(value));
  return { type, body: value, mode, strict };
}

/** Applies a patch document to a JSON value. */
export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case 'json':
      return applyJsonPatch(target, patch);
    case 'merge':
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
        throw new ApiError('BadRequest', 'a merge patch must be a JSON object');
      return applyMergePatch(target, patch);
    case 'strategic':
    case 'apply':
      return applyStrategicMergePatch(target, patch);
  }
}

/**
 * Read-modify-write with retries on Conflict. `mutate` returns the object to write; its
 * resourceVersion is pinned to the one read unless `mutate` set a different one.
 */
export async function readModifyWrite(
  read: () => Promise<KubeObject>,
  mutate: (current: KubeObject) => KubeObject,
  write: (next: KubeObject) => Promise<KubeObject>,
): Promise<KubeObject> {
  for (let attempt = 1; ; attempt++) {
    const current = await read();
    const next = mutate(structuredClone(current));
    const readRv = current.metadata.resourceVersion;
    const explicit = next.metadata.resourceVersion !== undefined && next.metadata.resourceVersion !== readRv;
    if (!explicit && readRv !== undefined) next.metadata.resourceVersion = readRv;
    try {
      return await write(next);
    } catch (err) {
      const e = ApiError.from(err);
      if (e.reason !== 'Conflict' || explicit || attempt >= PATCH_ATTEMPTS) throw e;
    }
  }
}

/**
 * The patched object, checked to still be the object of this URL and against the kind's schema
 * (patch-check.ts); the strict errors to warn about are put in `warnings` (replacing what an
 * earlier attempt put there).
 */
export function patchedObject(
  route: ResourceRoute,
  current: KubeObject,
  patch: ParsedPatch,
  write?: WriteContext & { force: boolean },
  warnings: string[] = [],
): KubeObject {
  // With a write context, managedFields are kept: an apply is a server-side apply, others updates.
  let out: unknown;
  let found: string[];
  if (patch.type === 'apply') {
    found = checkApplied(route.info, patch.body, patch.mode, patch.strict);
    const config = objectForRoute(applyStrategicMergePatch({}, patch.body), route);
    out = write ? serverSideApply(current, config, write) : applyStrategicMergePatch(current, patch.body);
  } else {
    out = applyPatch(patch.type, current, patch.body);
    found = checkPatched(
      route.info,
      patch.type,
      patch.body,
      current,
      objectForRoute(out, route),
      patch.mode,
      patch.strict,
    );
  }
  warnings.splice(0, warnings.length, ...found);
  let obj = objectForRoute(out, route);
  if (write && patch.type !== 'apply') obj = recordUpdate(current, obj, write);
  if (obj.metadata === null || typeof obj.metadata !== 'object')
    throw new ApiError('BadRequest', 'the patch removed metadata');
  if (current.metadata.uid && obj.metadata.uid && obj.metadata.uid !== current.metadata.uid) {
    throw new ApiError(
      'Invalid',
      `${route.info.kind} "${route.name ?? ''}" is invalid: metadata.uid: Invalid value: "${obj.metadata.uid}": field is immutable`,
      {
        name: route.name,
        kind: route.info.kind,
        causes: [{ reason: 'FieldValueInvalid', message: 'field is immutable', field: 'metadata.uid' }],
      },
    );
  }
  return obj;
}

async function applyPatchCreate(
  ctx: RequestContext,
  route: ResourceRoute,
  patch: ParsedPatch,
): Promise<KubeObject | undefined> {
  try {
    await ctx.registry.get(route.info.resource, route.namespace, route.name ?? '');
    return undefined;
  } catch (err) {
    if (ApiError.from(err).reason !== 'NotFound') throw err;
  }
  addWarnings(ctx.res, checkApplied(route.info, patch.body, patch.mode, patch.strict));
  const config = objectForRoute(applyStrategicMergePatch({}, patch.body), route);
  const obj = serverSideApply(undefined, config, {
    ...writeContext(route.info, ctx.query, ctx.req),
    force: forceOf(ctx.query),
  });
  return ctx.registry.create(route.info.resource, route.namespace, obj, writeOptions(ctx.query));
}

export async function patchObject(ctx: RequestContext, route: ResourceRoute, name: string): Promise<void> {
  const r = { ...route, name };
  const patch = await readPatch(ctx);
  const opts = writeOptions(ctx.query);
  const format = responseFormat(ctx.accept) ?? 'json';
  if (patch.type === 'apply') {
    if (!opts.fieldManager)
      throw new ApiError('BadRequest', 'PATCH, application/apply-patch+yaml requires fieldManager to be set');
    const created = await applyPatchCreate(ctx, r, patch);
    if (created) {
      sendObject(ctx.res, 201, withTypeMeta(created, route.info), format);
      return;
    }
  }
  const { resource } = route.info;
  const warnings: string[] = [];
  const result = await readModifyWrite(
    () => ctx.registry.get(resource, route.namespace, name),
    (cur) =>
      patchedObject(
        r,
        cur,
        patch,
        { ...writeContext(route.info, ctx.query, ctx.req), force: forceOf(ctx.query) },
        warnings,
      ),
    (next) => ctx.registry.update(resource, route.namespace, name, next, opts),
  );
  addWarnings(ctx.res, warnings);
  sendObject(ctx.res, 200, withTypeMeta(result, route.info), format);
}
