/**
 * Query parameters of the REST API, turned into the Registry's query/option objects. Selectors
 * are parsed here once so that a malformed one is a 400 before anything else happens; the
 * registry receives them as the strings the client sent.
 */
import { fieldLabelError, parseFieldSelector, parseLabelSelector, renameFieldLabels } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { DeleteOpts, ListQuery, WatchQuery, WriteOptions } from '../registry/types.js';
import { assertValidListOptions, parseSendInitialEvents, versionOptions } from './listoptions.js';
import type { IncludeObject } from './tables/index.js';

function bad(param: string, value: string, why: string): ApiError {
  return new ApiError('BadRequest', `invalid value for query parameter ${param}: "${value}": ${why}`);
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

function nonNegativeInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw bad(name, v, 'must be an integer');
  const n = Number(v);
  if (n < 0) throw bad(name, v, 'must be greater than or equal to 0');
  return n;
}

export function isWatch(q: URLSearchParams): boolean {
  return flag(q, 'watch');
}

function selectorQuery(q: URLSearchParams, namespace: string): ListQuery {
  const out: ListQuery = { namespace };
  const labelSelector = q.get('labelSelector');
  if (labelSelector) {
    parseLabelSelector(labelSelector);
    out.labelSelector = labelSelector;
  }
  const fieldSelector = q.get('fieldSelector');
  if (fieldSelector) {
    parseFieldSelector(fieldSelector);
    out.fieldSelector = fieldSelector;
  }
  return out;
}

/**
 * The selectors of a list, watch or deletecollection of `resource`: both must parse, and the
 * field selector may name only the fields upstream lets that resource be selected by (400).
 */
/** `fieldLabels`: the served version's labels → the stored ones (a converted version, conversion.ts). */
export function assertSelectors(
  q: URLSearchParams,
  resource: string,
  fieldLabels?: Readonly<Record<string, string>>,
): void {
  const { fieldSelector } = selectorQuery(q, '');
  const stored = fieldSelector && fieldLabels ? renameFieldLabels(fieldSelector, fieldLabels) : fieldSelector;
  const why = stored ? fieldLabelError(resource, parseFieldSelector(stored)) : undefined;
  if (why) throw new ApiError('BadRequest', why);
}

/** LIST (and deletecollection) options; resourceVersionMatch and friends validated as upstream (422). */
export function listQuery(q: URLSearchParams, namespace: string): ListQuery {
  const out = selectorQuery(q, namespace);
  const limit = nonNegativeInt(q, 'limit');
  if (limit) out.limit = limit;
  const v = versionOptions(q);
  assertValidListOptions(v, false);
  if (v.continue) out.continue = v.continue;
  if (v.resourceVersion !== undefined) out.resourceVersion = v.resourceVersion;
  if (v.resourceVersionMatch) out.resourceVersionMatch = v.resourceVersionMatch;
  return out;
}

export function watchQuery(q: URLSearchParams, namespace: string): WatchQuery {
  const out: WatchQuery = selectorQuery(q, namespace);
  nonNegativeInt(q, 'limit'); // malformed is still a 400; a watch has no pages
  const v = versionOptions(q);
  const sendInitialEvents = parseSendInitialEvents(v.sendInitialEvents);
  assertValidListOptions(v, true);
  if (v.resourceVersion !== undefined) out.resourceVersion = v.resourceVersion;
  if (sendInitialEvents !== undefined) out.sendInitialEvents = sendInitialEvents;
  if (flag(q, 'allowWatchBookmarks')) out.allowBookmarks = true;
  const timeout = nonNegativeInt(q, 'timeoutSeconds');
  if (timeout !== undefined) out.timeoutSeconds = timeout;
  return out;
}

/** GET of one object: resourceVersion "N" asks for a state not older than N. */
export function getResourceVersion(q: URLSearchParams): string | undefined {
  return q.get('resourceVersion') || undefined;
}

/** `dryRun=All` → true; any other non-empty value is rejected like upstream. */
export function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun').filter((v) => v !== '');
  for (const v of values)
    if (v !== 'All') throw new ApiError('BadRequest', `Invalid dryRun value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/** dryRun for DELETE: kubectl puts it in the DeleteOptions body (`"dryRun": ["All"]`), others in the query. */
export function deleteDryRun(q: URLSearchParams, body: unknown): boolean {
  const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)['dryRun'] : undefined;
  const fromBody = Array.isArray(b) ? b.filter((v) => v !== '') : [];
  for (const v of fromBody)
    if (v !== 'All')
      throw new ApiError('BadRequest', `Invalid dryRun value: ${JSON.stringify(v)}: supported values: "All"`);
  return dryRun(q) || fromBody.length > 0;
}

export function writeOptions(q: URLSearchParams): WriteOptions {
  const out: WriteOptions = {};
  if (dryRun(q)) out.dryRun = true;
  const fm = q.get('fieldManager');
  if (fm) out.fieldManager = fm;
  return out;
}

const POLICIES = ['Background', 'Foreground', 'Orphan'] as const;

function asPolicy(v: unknown): DeleteOpts['propagationPolicy'] {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string' && (POLICIES as readonly string[]).includes(v)) return v as DeleteOpts['propagationPolicy'];
  throw new ApiError(
    'BadRequest',
    `propagationPolicy: Unsupported value: ${JSON.stringify(v)}: supported values: "Background", "Foreground", "Orphan"`,
  );
}

/** DeleteOptions from the body (a `DeleteOptions` object, possibly empty) and the query. */
export function deleteOptions(q: URLSearchParams, body: unknown): DeleteOpts {
  const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const out: DeleteOpts = {};
  const policy = asPolicy(b['propagationPolicy'] ?? q.get('propagationPolicy'));
  if (policy) out.propagationPolicy = policy;
  else if (b['orphanDependents'] === true || q.get('orphanDependents') === 'true') out.propagationPolicy = 'Orphan';
  const grace = b['gracePeriodSeconds'] ?? nonNegativeInt(q, 'gracePeriodSeconds');
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isInteger(grace))
      throw new ApiError(
        'BadRequest',
        `gracePeriodSeconds: Invalid value: ${JSON.stringify(grace)}: must be an integer`,
      );
    out.gracePeriodSeconds = Math.max(0, grace);
  }
  const pre = b['preconditions'];
  if (pre !== null && typeof pre === 'object') {
    const p = pre as Record<string, unknown>;
    if (typeof p['uid'] === 'string' && p['uid']) out.preconditionUid = p['uid'];
    if (typeof p['resourceVersion'] === 'string' && p['resourceVersion'])
      out.preconditionResourceVersion = p['resourceVersion'];
  }
  return out;
}

export function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  if (v === null || v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw bad('includeObject', v, 'supported values: "None", "Metadata", "Object"');
}
