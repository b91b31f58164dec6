/** ControllerRevision (apps/v1) validation: a non-negative revision and immutable data, as upstream. */
import { canonical } from '../hash.js';
import type { KubeObject } from '../types.js';
import { invalid, type FieldError } from './errors.js';
import { validateObjectMeta } from './meta.js';

export function validateControllerRevision(cr: KubeObject): FieldError[] {
  const errs = validateObjectMeta(cr.metadata, { namespaced: true });
  const rev = cr['revision'];
  if (typeof rev !== 'number' || !Number.isInteger(rev) || rev < 0)
    errs.push(invalid('revision', rev ?? 0, 'must be greater than or equal to 0'));
  return errs;
}

export function validateControllerRevisionUpdate(cr: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateControllerRevision(cr);
  if (JSON.stringify(canonical(cr['data'])) !== JSON.stringify(canonical(old['data'])))
    errs.push(invalid('data', '(object)', 'field is immutable'));
  return errs;
}
