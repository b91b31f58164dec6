/** Light validation of Namespaces, Nodes, Leases, Endpoints and Events. */
import { checkLabel } from '../names.js';
import type { KubeObject } from '../types.js';
import { invalid, notSupported, required, type FieldError } from './errors.js';
import {
  IP_ERROR,
  PORT_RANGE_ERROR,
  asArray,
  asRecord,
  isValidIP,
  isValidPort,
  nonNegativeInt,
  qualifiedNameErrors,
  validateObjectMeta,
} from './meta.js';
import { validateResourceList } from './resources.js';

export function validateNamespace(ns: KubeObject): FieldError[] {
  const errs = validateObjectMeta(ns.metadata, { namespaced: false, checkName: checkLabel });
  for (const [i, f] of asArray(asRecord(ns.spec).finalizers).entries()) {
    for (const m of qualifiedNameErrors(String(f))) errs.push(invalid(`spec.finalizers[${i}]`, f, m));
  }
  const phase = asRecord(ns.status).phase;
  if (phase !== undefined && phase !== 'Active' && phase !== 'Terminating')
    errs.push(notSupported('status.phase', phase, ['Active', 'Terminating']));
  return errs;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateNode(node: KubeObject): FieldError[] {
  const errs = validateObjectMeta(node.metadata, { namespaced: false });
  for (const [i, raw] of asArray(asRecord(node.spec).taints).entries()) {
    const t = asRecord(raw);
    const f = `spec.taints[${i}]`;
    if (!t.key) errs.push(required(`${f}.key`));
    else for (const m of qualifiedNameErrors(String(t.key))) errs.push(invalid(`${f}.key`, t.key, m));
    if (!t.effect) errs.push(required(`${f}.effect`));
    else if (!TAINT_EFFECTS.includes(String(t.effect))) errs.push(notSupported(`${f}.effect`, t.effect, TAINT_EFFECTS));
  }
  return [...errs, ...validateNodeStatus(node)];
}

/** Capacity and allocatable as upstream's ValidateNode checks them (`status.capacity.cpu`). */
export function validateNodeStatus(node: KubeObject): FieldError[] {
  const status = asRecord(node.status);
  return [
    ...validateResourceList(status.capacity, 'status.capacity', { dotted: true }).errs,
    ...validateResourceList(status.allocatable, 'status.allocatable', { dotted: true }).errs,
  ];
}

export function validateLease(lease: KubeObject): FieldError[] {
  const errs = validateObjectMeta(lease.metadata, { namespaced: true });
  const spec = asRecord(lease.spec);
  const d = spec.leaseDurationSeconds;
  if (d !== undefined && d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d <= 0))
    errs.push(invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  errs.push(...nonNegativeInt(spec.leaseTransitions, 'spec.leaseTransitions'));
  return errs;
}

function validateAddresses(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, raw] of asArray(list).entries()) {
    const a = asRecord(raw);
    if (!a.ip) errs.push(required(`${field}[${i}].ip`));
    else if (!isValidIP(a.ip)) errs.push(invalid(`${field}[${i}].ip`, a.ip, IP_ERROR));
  }
  return errs;
}

export function validateEndpoints(ep: KubeObject): FieldError[] {
  const errs = validateObjectMeta(ep.metadata, { namespaced: true });
  for (const [i, raw] of asArray(ep.subsets).entries()) {
    const s = asRecord(raw);
    const f = `subsets[${i}]`;
    errs.push(...validateAddresses(s.addresses, `${f}.addresses`));
    errs.push(...validateAddresses(s.notReadyAddresses, `${f}.notReadyAddresses`));
    const ports = asArray(s.ports).map(asRecord);
    ports.forEach((p, j) => {
      const pf = `${f}.ports[${j}]`;
      if (ports.length > 1 && !p.name) errs.push(required(`${pf}.name`));
      if (!isValidPort(p.port)) errs.push(invalid(`${pf}.port`, p.port ?? 0, PORT_RANGE_ERROR));
      if (p.protocol !== undefined && !['SCTP', 'TCP', 'UDP'].includes(String(p.protocol)))
        errs.push(notSupported(`${pf}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
    });
  }
  return errs;
}

export function validateEvent(ev: KubeObject): FieldError[] {
  const errs = validateObjectMeta(ev.metadata, { namespaced: true });
  const involved = asRecord(ev.involvedObject);
  if (involved.namespace && ev.metadata.namespace && involved.namespace !== ev.metadata.namespace)
    errs.push(invalid('involvedObject.namespace', involved.namespace, 'does not match event.namespace'));
  return errs;
}
