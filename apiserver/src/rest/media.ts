/**
 * Media types: parsing Accept / Content-Type headers, and deciding what a client asked for
 * (a Table, aggregated discovery, YAML) the way the real apiserver negotiates it.
 */

export interface MediaRange {
  /** "application/json", lower-case, without parameters. */
  type: string;
  params: Record<string, string>;
}

function parseOne(raw: string): MediaRange | undefined {
  const parts = raw.split(';').map((p) => p.trim());
  const type = (parts.shift() ?? '').toLowerCase();
  if (!type) return undefined;
  const params: Record<string, string> = {};
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = p
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { type, params };
}

/** Parses an Accept header into its media ranges, in the order the client sent them. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header
    .split(',')
    .map(parseOne)
    .filter((m): m is MediaRange => m !== undefined);
}

/** The base type of a Content-Type header ("application/json"), lower-case; "" when absent. */
export function baseType(contentType: string | undefined): string {
  return parseOne(contentType ?? '')?.type ?? '';
}

const JSONISH = new Set(['application/json', '*/*', 'application/*']);

/** True for a plain JSON (or wildcard) range without the g/v/as parameters. */
function isPlainJson(m: MediaRange): boolean {
  return JSONISH.has(m.type) && !m.params['as'];
}

export type DiscoveryVersion = 'v2' | 'v2beta1';

/**
 * Which aggregated discovery version the client prefers, or undefined for legacy discovery.
 * The first range decides: kubectl lists the aggregated forms before plain JSON.
 */
export function aggregatedDiscoveryVersion(accept: MediaRange[]): DiscoveryVersion | undefined {
  for (const m of accept) {
    if (
      m.type === 'application/json' &&
      m.params['g'] === 'apidiscovery.k8s.io' &&
      m.params['as'] === 'APIGroupDiscoveryList'
    ) {
      const v = m.params['v'];
      if (v === 'v2' || v === 'v2beta1') return v;
      continue;
    }
    if (isPlainJson(m)) return undefined;
  }
  return undefined;
}

export type TableVersion = 'v1' | 'v1beta1';

/** The meta.k8s.io Table version asked for (as=Table), or undefined for plain objects. */
export function tableVersion(accept: MediaRange[]): TableVersion | undefined {
  for (const m of accept) {
    if (
      m.type === 'application/json' &&
      m.params['as'] === 'Table' &&
      (m.params['g'] ?? 'meta.k8s.io') === 'meta.k8s.io'
    ) {
      const v = m.params['v'] ?? 'v1';
      if (v === 'v1' || v === 'v1beta1') return v;
      continue;
    }
    if (isPlainJson(m)) return undefined;
  }
  return undefined;
}

export type ResponseFormat = 'json' | 'yaml';

const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml']);

/**
 * The body format for an object response. Protobuf is never produced; a client that also accepts
 * JSON (kubectl 1.32+ sends `application/vnd.kubernetes.protobuf,application/json`) gets JSON.
 * Returns undefined when nothing acceptable is listed (406).
 */
export function responseFormat(accept: MediaRange[]): ResponseFormat | undefined {
  if (accept.length === 0) return 'json';
  for (const m of accept) {
    if (JSONISH.has(m.type)) return 'json';
    if (YAML_TYPES.has(m.type)) return 'yaml';
  }
  return undefined;
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type PatchType = keyof typeof PATCH_TYPES;

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const t = baseType(contentType);
  for (const [k, v] of Object.entries(PATCH_TYPES)) if (v === t) return k as PatchType;
  return undefined;
}
