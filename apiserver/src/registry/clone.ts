/**
 * A deep copy of a JSON-shaped value (what request bodies and stored objects are), several times
 * faster than structuredClone on them (~30 µs for a 1 KiB ConfigMap under load was the largest
 * self time of a create). Plain objects and arrays are copied here, own enumerable keys in order
 * ("__proto__" stays an own key, undefined values and array holes are kept); anything else that is
 * an object (a Date, a Map, a class instance) or not JSON (a function) goes to structuredClone,
 * which copies or refuses it as before. The input must be acyclic (the callers check nesting depth).
 */
export function cloneJson<T>(value: T): T {
  return copy(value) as T;
}

function copy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') {
    return typeof v === 'function' || typeof v === 'symbol' ? structuredClone(v) : v;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) return structuredClone(v);
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) if (i in v) out[i] = copy(v[i]);
    return out;
  }
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const c = copy((v as Record<string, unknown>)[k]);
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
    else out[k] = c;
  }
  return out;
}
