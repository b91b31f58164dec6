/** Light validation of PodDisruptionBudget, Ingress and EndpointSlice (HorizontalPodAutoscaler: hpa.ts). */
import type { KubeObject } from '../types.js';
import { invalid, notSupported, required, type FieldError } from './errors.js';
import { asArray, asRecord, validateObjectMeta } from './meta.js';
import { validateIntOrPercent } from './apps.js';

export function validatePDB(pdb: KubeObject): FieldError[] {
  const errs = validateObjectMeta(pdb.metadata, { namespaced: true });
  const spec = asRecord(pdb.spec);
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
    errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  errs.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  errs.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  return errs;
}

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

export function validateIngress(ing: KubeObject): FieldError[] {
  const errs = validateObjectMeta(ing.metadata, { namespaced: true });
  const spec = asRecord(ing.spec);
  const rules = asArray(spec.rules);
  if (!spec.defaultBackend && rules.length === 0)
    errs.push(invalid('spec.rules', rules, 'either `defaultBackend` or `rules` must be specified'));
  rules.forEach((r, i) => {
    asArray(asRecord(asRecord(r).http).paths).forEach((p, j) => {
      const f = `spec.rules[${i}].http.paths[${j}]`;
      const pt = asRecord(p).pathType;
      if (pt === undefined || pt === '') errs.push(required(`${f}.pathType`, 'pathType must be specified'));
      else if (!PATH_TYPES.includes(String(pt))) errs.push(notSupported(`${f}.pathType`, pt, PATH_TYPES));
    });
  });
  return errs;
}

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];

export function validateEndpointSlice(es: KubeObject): FieldError[] {
  const errs = validateObjectMeta(es.metadata, { namespaced: true });
  const t = es['addressType'];
  if (t === undefined || t === '') errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(String(t))) errs.push(notSupported('addressType', t, ADDRESS_TYPES));
  asArray(es['endpoints']).forEach((e, i) => {
    const a = asArray(asRecord(e).addresses);
    if (a.length === 0) errs.push(required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
  });
  return errs;
}
