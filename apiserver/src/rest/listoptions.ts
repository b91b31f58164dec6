/**
 * The version-related ListOptions of a LIST/WATCH request (resourceVersion, resourceVersionMatch,
 * continue, sendInitialEvents), checked the way upstream's ValidateListOptions does (the WatchList
 * feature on: a watch may send its initial state, with resourceVersionMatch=NotOlderThan) before the
 * storage is asked: violations are a 422 Invalid on `ListOptions.meta.k8s.io ""`.
 * What storage itself rejects (continue together with a resourceVersion, malformed tokens,
 * unknown revisions) is the registry's business (registry/readplan.ts).
 */
import { invalidError, type FieldError } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';

export const RV_MATCH_EXACT = 'Exact';
export const RV_MATCH_NOT_OLDER_THAN = 'NotOlderThan';

export interface VersionOptions {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  continue?: string;
  sendInitialEvents?: string;
}

/** The raw values from the query; empty values count as unset (as Go's decoding of "" does). */
export function versionOptions(q: URLSearchParams): VersionOptions {
  const out: VersionOptions = {};
  const rv = q.get('resourceVersion');
  if (rv !== null && rv !== '') out.resourceVersion = rv;
  const match = q.get('resourceVersionMatch');
  if (match) out.resourceVersionMatch = match;
  const cont = q.get('continue');
  if (cont) out.continue = cont;
  const initial = q.get('sendInitialEvents');
  if (initial) out.sendInitialEvents = initial;
  return out;
}

const FIELD = 'resourceVersionMatch';

function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, hasValue: false, detail };
}

/** Upstream's ValidateListOptions (the list and the watch variants). */
export function listOptionsErrors(o: VersionOptions, watch: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch ?? '';
  if (watch) {
    // validateWatchOptions, with the WatchList feature on.
    if (o.sendInitialEvents !== undefined && match !== RV_MATCH_NOT_OLDER_THAN) {
      errs.push(
        forbidden(FIELD, `sendInitialEvents requires setting resourceVersionMatch to ${RV_MATCH_NOT_OLDER_THAN}`),
      );
    }
    if (match) {
      if (o.sendInitialEvents === undefined)
        errs.push(forbidden(FIELD, 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
      if (match !== RV_MATCH_NOT_OLDER_THAN)
        errs.push({
          type: 'FieldValueNotSupported',
          field: FIELD,
          value: match,
          hasValue: true,
          detail: `supported values: "${RV_MATCH_NOT_OLDER_THAN}"`,
        });
      if (o.continue) errs.push(forbidden(FIELD, 'resourceVersionMatch is forbidden when continue is provided'));
    }
    return errs;
  }
  if (match) {
    if (!o.resourceVersion)
      errs.push(forbidden(FIELD, 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (o.continue) errs.push(forbidden(FIELD, 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== RV_MATCH_EXACT && match !== RV_MATCH_NOT_OLDER_THAN) {
      errs.push({
        type: 'FieldValueNotSupported',
        field: FIELD,
        value: match,
        hasValue: true,
        detail: `supported values: "${RV_MATCH_EXACT}", "${RV_MATCH_NOT_OLDER_THAN}", ""`,
      });
    }
    if (match === RV_MATCH_EXACT && o.resourceVersion === '0')
      errs.push(forbidden(FIELD, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (o.sendInitialEvents !== undefined)
    errs.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return errs;
}

/** sendInitialEvents as Go's strconv.ParseBool reads it; anything else is a 400. */
export function parseSendInitialEvents(raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
  throw new ApiError(
    'BadRequest',
    `invalid value for query parameter sendInitialEvents: "${raw}": must be true or false`,
  );
}

/** Throws upstream's 422 (`ListOptions.meta.k8s.io "" is invalid: ...`) when the options do not validate. */
export function assertValidListOptions(o: VersionOptions, watch: boolean): void {
  const errs = listOptionsErrors(o, watch);
  if (!errs.length) return;
  const e = invalidError('ListOptions', 'meta.k8s.io', '', errs);
  // Upstream leaves the empty name out of the details.
  const { name: _name, ...details } = e.details ?? {};
  throw new ApiError('Invalid', e.message, details);
}
