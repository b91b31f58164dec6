/**
 * metadata.managedFields bookkeeping: who owns which field, updated on every write. Updates
 * (create, PUT, non-apply PATCH) give the writer the fields it changed and take them from everyone
 * else; an apply (application/apply-patch+yaml) makes the applier own exactly what it sent,
 * fails on fields another manager owns with a different value (unless forced), and removes the
 * fields the applier owned before, no longer sends, and nobody else owns.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '@kubelab/api';
import { applyStrategicMergePatch } from '../patch/strategic.js';
import { conflictError, type Conflict } from './conflict.js';
import { FieldSet, fromFieldsV1, toFieldsV1, type FieldPath } from './fieldset.js';
import { changedFields, fieldsOf, isItem, removePath, valueAt } from './extract.js';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: unknown;
  subresource?: string;
}

export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time: string;
  set: FieldSet;
}

export interface WriteContext {
  manager: string;
  /** apiVersion of the request (the object's group/version). */
  apiVersion: string;
  /** RFC 3339 time of the write. */
  time: string;
  subresource?: string;
}

const sameIdentity = (
  a: { manager: string; operation: string; subresource?: string | undefined },
  b: typeof a,
): boolean => a.manager === b.manager && a.operation === b.operation && (a.subresource ?? '') === (b.subresource ?? '');

/** The managers recorded on an object (malformed entries are skipped). */
export function decodeManagers(obj: KubeObject): Manager[] {
  const raw = (obj.metadata as { managedFields?: unknown }).managedFields;
  if (!Array.isArray(raw)) return [];
  const out: Manager[] = [];
  for (const e of raw as Partial<ManagedFieldsEntry>[]) {
    if (!e || typeof e.manager !== 'string' || (e.operation !== 'Apply' && e.operation !== 'Update')) continue;
    const m: Manager = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion ?? '',
      time: e.time ?? '',
      set: fromFieldsV1(e.fieldsV1),
    };
    if (e.subresource) m.subresource = e.subresource;
    out.push(m);
  }
  return out;
}

export function encodeManagers(ms: Manager[]): ManagedFieldsEntry[] {
  return ms
    .filter((m) => m.set.size > 0)
    .map((m) => {
      const e: ManagedFieldsEntry = {
        manager: m.manager,
        operation: m.operation,
        apiVersion: m.apiVersion,
        time: m.time,
        fieldsType: 'FieldsV1',
        fieldsV1: toFieldsV1(m.set),
      };
      if (m.subresource) e.subresource = m.subresource;
      return e;
    });
}

function setManagers(obj: KubeObject, ms: Manager[]): KubeObject {
  const entries = encodeManagers(ms);
  const meta = obj.metadata as Record<string, unknown>;
  if (entries.length) meta['managedFields'] = entries;
  else delete meta['managedFields'];
  return obj;
}

/** Removes `paths` (and whatever lies below them) from a manager's set. */
function without(set: FieldSet, paths: FieldSet): FieldSet {
  const drop = paths.paths();
  return new FieldSet(
    set.paths().filter((p) => !drop.some((d) => d.length <= p.length && d.every((e, i) => p[i] === e))),
  );
}

/**
 * An update by `ctx.manager` turning `prev` (undefined: a create) into `next`: returns `next` with
 * its managedFields recomputed from `prev`'s.
 */
export function recordUpdate(prev: KubeObject | undefined, next: KubeObject, ctx: WriteContext): KubeObject {
  const managers = prev ? decodeManagers(prev) : [];
  const changed = changedFields(prev ?? {}, next, { mapMarkers: true });
  const gone = prev ? fieldsOf(prev, { mapMarkers: true }).minus(fieldsOf(next, { mapMarkers: true })) : new FieldSet();
  const taken = changed.union(gone);
  const me = { manager: ctx.manager, operation: 'Update' as const, subresource: ctx.subresource };
  let mine = managers.find((m) => sameIdentity(m, me));
  for (const m of managers) if (m !== mine) m.set = without(m.set, taken);
  if (changed.size > 0) {
    if (!mine) {
      mine = {
        manager: ctx.manager,
        operation: 'Update',
        apiVersion: ctx.apiVersion,
        time: ctx.time,
        set: new FieldSet(),
      };
      if (ctx.subresource) mine.subresource = ctx.subresource;
      managers.push(mine);
    }
    mine.set = without(mine.set, gone).union(changed);
    mine.time = ctx.time;
    mine.apiVersion = ctx.apiVersion;
  } else if (mine) {
    mine.set = without(mine.set, gone);
  }
  return setManagers(next, managers);
}

export interface ApplyOptions extends WriteContext {
  force: boolean;
}

/** Conflicts of applying `config` over `live`: fields others own whose value would change. */
export function findConflicts(
  live: KubeObject,
  config: unknown,
  applied: FieldSet,
  managers: Manager[],
  manager: string,
): Conflict[] {
  const out: Conflict[] = [];
  for (const m of managers) {
    if (m.manager === manager && m.operation === 'Apply') continue;
    for (const p of applied.paths()) {
      if (isItem(p) || !m.set.has(p)) continue;
      const want = valueAt(config, p);
      const have = valueAt(live, p);
      if (have.found && isDeepStrictEqual(want.value, have.value)) continue;
      out.push({
        manager: m.manager,
        operation: m.operation,
        apiVersion: m.apiVersion,
        ...(m.subresource ? { subresource: m.subresource } : {}),
        path: p,
      });
    }
  }
  return out;
}

/**
 * Server-side apply of `config` by `opts.manager` onto `live` (undefined: create). Throws the
 * upstream 409 on conflicts unless forced. Returns the object to store, managedFields included.
 */
export function serverSideApply(live: KubeObject | undefined, config: KubeObject, opts: ApplyOptions): KubeObject {
  let managers = live ? decodeManagers(live) : [];
  if (live && managers.length === 0) {
    // An object written before anyone applied: its fields belong to a pseudo-manager.
    managers = [
      {
        manager: 'before-first-apply',
        operation: 'Update',
        apiVersion: opts.apiVersion,
        time: opts.time,
        set: fieldsOf(live, { mapMarkers: true }),
      },
    ];
  }
  const applied = fieldsOf(config);
  const conflicts = live ? findConflicts(live, config, applied, managers, opts.manager) : [];
  if (conflicts.length > 0) {
    if (!opts.force) throw conflictError(conflicts);
    for (const c of conflicts) {
      const m = managers.find((x) => sameIdentity(x, c));
      if (m) m.set = without(m.set, new FieldSet([c.path]));
    }
  }
  const me = { manager: opts.manager, operation: 'Apply' as const, subresource: opts.subresource };
  const mine = managers.find((m) => sameIdentity(m, me));
  const base = structuredClone(live ?? ({ metadata: {} } as KubeObject)) as KubeObject;
  if (mine) {
    const others = managers.filter((m) => m !== mine);
    const dropped = mine.set.minus(applied);
    // Shallowest first; what lies below a removed item or field goes with it.
    const removed: FieldPath[] = [];
    for (const p of dropped.paths().sort((a, b) => a.length - b.length)) {
      if (others.some((o) => o.set.hasPrefix(p))) continue;
      if (applied.hasPrefix(p)) continue;
      if (removed.some((r) => r.length < p.length && r.every((e, i) => p[i] === e))) continue;
      removePath(base as unknown as Record<string, unknown>, p);
      removed.push(p);
    }
  }
  const cfg = structuredClone(config) as KubeObject & { metadata: Record<string, unknown> };
  delete (cfg.metadata as Record<string, unknown>)['managedFields'];
  delete (cfg as Record<string, unknown>)['status'];
  const merged = applyStrategicMergePatch(base, cfg) as KubeObject;
  const entry: Manager = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    time: opts.time,
    set: applied,
  };
  if (opts.subresource) entry.subresource = opts.subresource;
  const rest = managers.filter((m) => m !== mine);
  // The applier's entry goes where it was, or first for a new applier (upstream puts it first too on create).
  const out = mine ? managers.map((m) => (m === mine ? entry : m)) : [entry, ...rest];
  return setManagers(merged, out);
}
