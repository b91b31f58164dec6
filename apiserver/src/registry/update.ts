/** Update, status update and pod binding: read, mutate, CAS (see Core.guaranteedUpdate). */
import { ApiError, badRequest, conflict } from '@kubelab/proto';
import {
  apiVersionOf,
  applyDefaults,
  assertValid,
  assertValidStatus,
  goValue,
  invalidError,
  resourceInfo,
  type KubeObject,
  type ResourceInfo,
} from '@kubelab/api';
import { cloneJson } from './clone.js';
import { hasStatus, parseResourceVersion, specOf, type Core, type Mutation } from './core.js';
import { assertObject, createObject, resolveNamespace } from './create.js';
import { asTooLarge, assertStorable } from './limits.js';
import type { Strategy } from './strategy.js';
import type { StatusOptions, WriteOptions } from './types.js';

const PODS = resourceInfo('pods')!;

function checkName(name: string, obj: KubeObject): string {
  const bodyName = obj.metadata.name;
  if (name && bodyName && bodyName !== name)
    throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
  const n = name || bodyName;
  if (!n) throw badRequest('resource name may not be empty');
  return n;
}

/** The mutation, once its write is known to fit in etcd (see limits.ts). */
function storable(core: Core, info: ResourceInfo, ns: string, name: string, m: Mutation): Mutation {
  if (m.delete) return m;
  const value = core.encode(m.obj);
  assertStorable(info, name, [
    { type: 'update', key: core.key(info, ns, name), value, modRevision: 0 },
    ...(m.extraOps ?? []),
  ]);
  return { ...m, value };
}

function uidPrecondition(info: ResourceInfo, name: string, want: string | undefined, have: string | undefined): void {
  if (want && want !== have)
    throw conflict(
      info.resource,
      name,
      info.group,
      `Precondition failed: UID in precondition: ${want}, UID in object meta: ${have ?? ''}`,
    );
}

/** An object whose deletion only waited for its finalizers goes away once they are all removed. */
export function readyToDelete(obj: KubeObject): boolean {
  const m = obj.metadata;
  return !!m.deletionTimestamp && (m.finalizers ?? []).length === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0;
}

function noNewFinalizers(info: ResourceInfo, next: KubeObject, cur: KubeObject): void {
  if (!cur.metadata.deletionTimestamp) return;
  const had = new Set(cur.metadata.finalizers ?? []);
  const added = (next.metadata.finalizers ?? []).filter((f) => !had.has(f));
  if (added.length === 0) return;
  throw invalidError(info.kind, info.group, cur.metadata.name ?? '', [
    {
      type: 'FieldValueForbidden',
      field: 'metadata.finalizers',
      hasValue: false,
      detail: `no new finalizers can be added if the object is being deleted, found new finalizers ${goValue(added)}`,
    },
  ]);
}

export async function updateObject(
  core: Core,
  strategy: Strategy,
  resource: string,
  namespace: string,
  name: string,
  input: KubeObject,
  opts: WriteOptions = {},
): Promise<KubeObject> {
  assertObject(input);
  const info = core.info(resource);
  const body = cloneJson(input);
  body.metadata = body.metadata ?? {};
  const objName = checkName(name, body);
  const ns = resolveNamespace(info, namespace, body);
  const expected = parseResourceVersion(body.metadata.resourceVersion);

  for (let attempt = 0; ; attempt++) {
    if (strategy.allowCreateOnUpdate && expected === undefined && !(await core.get(info, ns, objName))) {
      try {
        return await createObject(
          core,
          strategy,
          resource,
          ns,
          { ...body, metadata: { ...body.metadata, name: objName } },
          opts,
        );
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'AlreadyExists' && attempt < 3) continue;
        throw err;
      }
    }
    return core
      .guaranteedUpdate(
        info,
        ns,
        objName,
        async (cur): Promise<Mutation | undefined> => {
          const next = cloneJson(body);
          next.apiVersion = apiVersionOf(info);
          next.kind = info.kind;
          uidPrecondition(info, objName, next.metadata.uid, cur.metadata.uid);
          const m = next.metadata;
          m.name = objName;
          m.uid = cur.metadata.uid;
          m.creationTimestamp = cur.metadata.creationTimestamp;
          m.generation = cur.metadata.generation ?? 1;
          for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
            if (cur.metadata[f] === undefined) delete m[f];
            else (m as Record<string, unknown>)[f] = cur.metadata[f];
          }
          delete m.resourceVersion;
          if (hasStatus(info)) {
            if (cur.status === undefined) delete next.status;
            else next.status = cur.status;
          }
          applyDefaults(resource, next);
          strategy.prepareForUpdate?.(next, cur);
          noNewFinalizers(info, next, cur);
          assertValid(resource, next, cur);
          if (specOf(next) !== specOf(cur)) m.generation = (cur.metadata.generation ?? 0) + 1;
          if (opts.dryRun) throw new DryRunResult(storable(core, info, ns, objName, { obj: next }).obj);
          if (readyToDelete(next))
            return { obj: next, delete: true, extraOps: (await strategy.sideEffects?.(undefined, cur)) ?? [] };
          return storable(core, info, ns, objName, {
            obj: next,
            extraOps: (await strategy.sideEffects?.(next, cur)) ?? [],
          });
        },
        expected,
      )
      .catch((err: unknown) => {
        if (err instanceof DryRunResult) return err.obj;
        throw asTooLarge(err, info, objName);
      });
  }
}

/** Carries a dry-run result out of the update loop without writing. */
class DryRunResult {
  constructor(readonly obj: KubeObject) {}
}

export async function updateStatus(
  core: Core,
  strategy: Strategy,
  resource: string,
  namespace: string,
  name: string,
  input: KubeObject,
  opts: StatusOptions = {},
): Promise<KubeObject> {
  assertObject(input);
  const info = core.info(resource);
  const body = cloneJson(input);
  body.metadata = body.metadata ?? {};
  const objName = checkName(name, body);
  const ns = resolveNamespace(info, namespace, body);
  const expected = parseResourceVersion(body.metadata.resourceVersion);
  return core
    .guaranteedUpdate(
      info,
      ns,
      objName,
      (cur) => {
        uidPrecondition(info, objName, body.metadata.uid, cur.metadata.uid);
        const old = strategy.prepareForStatusUpdate ? cloneJson(cur) : undefined;
        if (body.status === undefined) delete cur.status;
        else cur.status = body.status;
        if (old) strategy.prepareForStatusUpdate?.(cur, old, opts.subresource ?? 'status');
        assertValidStatus(resource, cur);
        return storable(core, info, ns, objName, { obj: cur });
      },
      expected,
    )
    .catch((err: unknown) => {
      throw asTooLarge(err, info, objName);
    });
}

export async function bindPod(
  core: Core,
  namespace: string,
  name: string,
  nodeName: string,
  podUid?: string,
): Promise<KubeObject> {
  if (!nodeName)
    throw invalidError('Binding', '', name, [
      { type: 'FieldValueRequired', field: 'target.name', hasValue: false, detail: '' },
    ]);
  return core.guaranteedUpdate(PODS, namespace || 'default', name, (pod) => {
    if (podUid && podUid !== pod.metadata.uid)
      throw conflict(
        'pods/binding',
        name,
        '',
        `Precondition failed: UID in precondition: ${podUid}, UID in object meta: ${pod.metadata.uid ?? ''}`,
      );
    if (pod.metadata.deletionTimestamp)
      throw conflict('pods/binding', name, '', `pod ${name} is being deleted, cannot be assigned to a host`);
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (spec.nodeName) {
      if (spec.nodeName === nodeName) return undefined;
      throw conflict('pods/binding', name, '', `pod ${name} is already assigned to node "${spec.nodeName}"`);
    }
    pod.spec = { ...spec, nodeName };
    return storable(core, PODS, namespace || 'default', name, { obj: pod });
  });
}
