/**
 * Field paths and sets in the shape of upstream's structured-merge-diff: a path is a list of
 * elements `f:<field>`, `k:<json of key fields>`, `v:<json value>` or `i:<index>`; a set of paths is
 * serialized as FieldsV1 (nested objects; `.` marks a node that is itself a member and has children).
 */

export type PathElement = string;
export type FieldPath = readonly PathElement[];

/** A set of field paths (leaves, list items, and maps marked as members). */
export class FieldSet {
  private readonly items = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.add(p);
  }

  static key(p: FieldPath): string {
    return JSON.stringify(p);
  }

  add(p: FieldPath): this {
    this.items.set(FieldSet.key(p), [...p]);
    return this;
  }

  has(p: FieldPath): boolean {
    return this.items.has(FieldSet.key(p));
  }

  delete(p: FieldPath): boolean {
    return this.items.delete(FieldSet.key(p));
  }

  get size(): number {
    return this.items.size;
  }

  paths(): FieldPath[] {
    return [...this.items.values()];
  }

  union(o: FieldSet): FieldSet {
    return new FieldSet([...this.paths(), ...o.paths()]);
  }

  minus(o: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => !o.has(p)));
  }

  intersect(o: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => o.has(p)));
  }

  /** True when a member lies at or below `prefix`. */
  hasPrefix(prefix: FieldPath): boolean {
    return this.paths().some((p) => p.length >= prefix.length && prefix.every((e, i) => p[i] === e));
  }
}

type Tree = { [k: string]: Tree };

/** The FieldsV1 JSON of a set (keys sorted like upstream's serializer). */
export function toFieldsV1(set: FieldSet): Tree {
  const root: Tree = {};
  for (const p of set.paths()) {
    let node = root;
    for (const e of p) node = node[e] ??= {};
    // A member that also has children carries ".": added below once children are known.
    (node as Record<string, unknown>)['\u0000member'] = {};
  }
  const finish = (n: Tree): Tree => {
    const member = '\u0000member' in n;
    const keys = Object.keys(n)
      .filter((k) => k !== '\u0000member')
      .sort();
    const out: Tree = {};
    if (member && keys.length > 0) out['.'] = {};
    for (const k of keys) out[k] = finish(n[k]!);
    return out;
  };
  return finish(root);
}

/** The set a FieldsV1 JSON describes; malformed input yields what could be read. */
export function fromFieldsV1(v: unknown): FieldSet {
  const set = new FieldSet();
  const walk = (n: unknown, path: PathElement[]): void => {
    if (n === null || typeof n !== 'object' || Array.isArray(n)) return;
    const keys = Object.keys(n);
    if (path.length > 0 && (keys.length === 0 || keys.includes('.'))) set.add(path);
    for (const k of keys) if (k !== '.') walk((n as Record<string, unknown>)[k], [...path, k]);
  };
  walk(v, []);
  return set;
}

/** Upstream's printed form of a path: `.spec.template.spec.containers[name="web"].image`. */
export function pathString(p: FieldPath): string {
  let out = '';
  for (const e of p) {
    const body = e.slice(2);
    if (e.startsWith('f:')) out += `.${body}`;
    else if (e.startsWith('i:')) out += `[${body}]`;
    else if (e.startsWith('v:')) out += `[=${body}]`;
    else if (e.startsWith('k:')) {
      let keys: Record<string, unknown> = {};
      try {
        keys = JSON.parse(body) as Record<string, unknown>;
      } catch {
        /* printed empty */
      }
      out += `[${Object.keys(keys)
        .sort()
        .map((k) => `${k}=${JSON.stringify(keys[k])}`)
        .join(',')}]`;
    }
  }
  return out;
}
