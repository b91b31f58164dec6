/** What the Pod Security checks share: a check's result, the containers of a pod spec, upstream's wording helpers. */
export type Json = Record<string, unknown>;

export interface CheckResult {
  /** The short reason ("privileged"), always shown. */
  reason: string;
  /** The specifics ('container "c" must not set securityContext.privileged=true'), shown for one object. */
  detail: string;
}

/** A check: undefined when the pod passes. */
export type Check = (meta: Json, spec: Json) => CheckResult | undefined;

export const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
export const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
export const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Every container, init container and ephemeral container, in upstream's visiting order. */
export function containers(spec: Json): Json[] {
  return [...arr(spec['initContainers']), ...arr(spec['containers']), ...arr(spec['ephemeralContainers'])];
}

export const sc = (c: Json): Json => obj(c['securityContext']);
export const name = (c: Json): string => String(c['name'] ?? '');
export const pluralize = (one: string, many: string, n: number): string => (n === 1 ? one : many);
/** `"a", "b"` as upstream's joinQuote. */
export const joinQuote = (xs: readonly string[]): string => xs.map((x) => JSON.stringify(x)).join(', ');
export const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** `container "a"` / `containers "a", "b"`. */
export const containersPhrase = (names: readonly string[]): string =>
  `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** "pod", "containers "a", "b"" joined with " and " (setters that explicitly chose a bad value). */
export function setters(pod: boolean, names: readonly string[]): string {
  const out: string[] = pod ? ['pod'] : [];
  if (names.length) out.push(containersPhrase(names));
  return out.join(' and ');
}
