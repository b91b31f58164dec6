/**
 * The fuzz request generator: from one seed, a stream of requests a careless, curious or hostile
 * client could send — creates, updates, patches of every type, reads, watches, deletes and
 * subresource calls on mutated valid objects of every kind, with random query parameters,
 * content types and Accept headers, plus raw requests to random paths. It remembers what it
 * created so that later requests hit existing objects too.
 */
import { build, envelope, newMeta } from '../protobuf/testing/encode.js';
import { collectionPath, pickSeed, SEEDS, type Seed } from './corpus.js';
import { encode, mutate, objectAt, randomValue } from './mutate.js';
import type { Random } from './random.js';
import {
  LABEL_SELECTORS,
  FIELD_SELECTORS,
  ACCEPTS,
  FIELD_VALIDATION,
  RAW_PATHS,
  METHODS,
  PATCH_TYPES,
  JSON_PATHS,
} from './vocabulary.js';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What kind of request this is, for the report. */
  label: string;
  /** A watch: only its status matters, the stream is dropped once the headers arrive. */
  watch?: boolean;
  /** The object this request creates, when it succeeds. */
  creates?: Known;
}

export interface Known {
  seed: Seed;
  namespace: string;
  name: string;
}

type Json = Record<string, unknown>;

export class Generator {
  private readonly known: Known[] = [];
  private counter = 0;

  constructor(
    private readonly r: Random,
    private readonly namespaces: readonly string[],
  ) {}

  /** Remembers an object the server created. */
  created(k: Known): void {
    if (this.known.length < 2_000) this.known.push(k);
  }

  next(): FuzzRequest {
    const r = this.r;
    return r.weighted<() => FuzzRequest>([
      [26, () => this.create()],
      [10, () => this.update()],
      [20, () => this.patch()],
      [18, () => this.read()],
      [5, () => this.watch()],
      [6, () => this.remove()],
      [8, () => this.subresource()],
      [7, () => this.raw()],
    ])();
  }

  private target(): Known {
    const r = this.r;
    if (this.known.length && r.chance(0.8)) return r.pick(this.known);
    const seed = pickSeed(r);
    return {
      seed,
      namespace: r.pick(this.namespaces),
      name: r.chance(0.5) ? `f-${r.int(50)}` : r.string(1 + r.int(10)),
    };
  }

  private itemPath(k: Known): string {
    return `${collectionPath(k.seed, k.namespace)}/${encodeURIComponent(k.name)}`;
  }

  private query(keys: readonly string[]): string {
    const r = this.r;
    const params = new URLSearchParams();
    const values: Record<string, () => string> = {
      fieldValidation: () => r.pick(FIELD_VALIDATION),
      dryRun: () => r.pick(['All', 'All', 'none', '']),
      fieldManager: () => r.pick(['fuzz', '', 'x'.repeat(200), 'kubectl-client-side-apply']),
      labelSelector: () => r.pick(LABEL_SELECTORS),
      fieldSelector: () => r.pick(FIELD_SELECTORS),
      limit: () => r.pick(['-1', '0', '1', '5', 'x', '1e12', '500']),
      continue: () => r.pick(['', 'abc', 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ', r.string(40)]),
      // Never a revision etcd has not reached: that is upstream's 504 Too large resource version
      // after a 3 s wait (tested in listversion.itest.ts), and this test admits no 5xx at all.
      resourceVersion: () => r.pick(['0', '1', '-1', 'abc', '', '5']),
      resourceVersionMatch: () => r.pick(['Exact', 'NotOlderThan', 'exact', '']),
      timeoutSeconds: () => r.pick(['1', '0', '-1', 'x']),
      propagationPolicy: () => r.pick(['Background', 'Foreground', 'Orphan', 'Sometimes']),
      gracePeriodSeconds: () => r.pick(['0', '30', '-5', 'soon']),
      force: () => r.pick(['true', 'false', 'maybe']),
      pretty: () => 'true',
      [r.string(5)]: () => r.string(5),
    };
    const names = [...keys, ...Object.keys(values)];
    for (let n = r.int(4); n > 0; n--) {
      const k = r.pick(names);
      params.append(k, (values[k] ?? ((): string => r.string(4)))());
    }
    const s = params.toString();
    return s ? `?${s}` : '';
  }

  private headers(contentType?: string): Record<string, string> {
    const h: Record<string, string> = {};
    if (contentType !== undefined) h['content-type'] = contentType;
    if (this.r.chance(0.5)) h['accept'] = this.r.pick(ACCEPTS);
    if (this.r.chance(0.1))
      h['user-agent'] = this.r.pick([
        'kubectl/v1.33.0 (linux/amd64) kubernetes/abc',
        '',
        '\u00e9t\u00e9',
        'x'.repeat(300),
      ]);
    return h;
  }

  private object(k: Known): Json {
    const obj = k.seed.make(k.name);
    if (this.r.chance(0.7)) mutate(this.r, obj);
    return obj;
  }

  private create(): FuzzRequest {
    const r = this.r;
    const seed = pickSeed(r);
    const k: Known = { seed, namespace: r.pick(this.namespaces), name: `f-${++this.counter}` };
    const obj = this.object(k);
    if (r.chance(0.04)) return this.protobufCreate(k);
    const enc = encode(r, obj);
    return {
      method: 'POST',
      path: `${collectionPath(seed, k.namespace)}${this.query(['fieldValidation', 'dryRun', 'fieldManager'])}`,
      headers: this.headers(enc.contentType),
      body: enc.body,
      label: `create ${seed.resource}`,
      creates: k,
    };
  }

  private protobufCreate(k: Known): FuzzRequest {
    const r = this.r;
    const apiVersion = k.seed.group ? `${k.seed.group}/${k.seed.version}` : k.seed.version;
    const obj = k.seed.make(k.name);
    let raw = build((w) => newMeta(w, k.name, { fuzz: 'yes' }));
    if (r.chance(0.5)) raw = Buffer.concat([raw, r.bytes(r.int(64))]);
    const body = envelope(apiVersion, String(obj['kind']), raw);
    if (r.chance(0.5)) for (let i = 0; i < 3; i++) body[r.int(body.length)] = r.int(256);
    return {
      method: 'POST',
      path: collectionPath(k.seed, k.namespace),
      headers: this.headers('application/vnd.kubernetes.protobuf'),
      body,
      label: `create ${k.seed.resource} (protobuf)`,
      creates: k,
    };
  }

  private update(): FuzzRequest {
    const k = this.target();
    const obj = this.object(k);
    if (this.r.chance(0.3)) objectAt(obj, 'metadata')['resourceVersion'] = this.r.pick(['1', '0', 'abc', '999999999']);
    const enc = encode(this.r, obj);
    return {
      method: 'PUT',
      path: `${this.itemPath(k)}${this.query(['fieldValidation', 'dryRun'])}`,
      headers: this.headers(enc.contentType),
      body: enc.body,
      label: `update ${k.seed.resource}`,
    };
  }

  private jsonPatch(): unknown {
    const r = this.r;
    if (r.chance(0.03))
      return Array.from({ length: 12 }, () => ({ op: 'copy', from: '/metadata/labels', path: '/metadata/labels/x' }));
    if (r.chance(0.01)) return Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/metadata', value: {} }));
    return Array.from({ length: 1 + r.int(5) }, () => {
      const op: Json = {
        op: r.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus']),
        path: r.pick(JSON_PATHS),
      };
      if (r.chance(0.7)) op['value'] = r.chance(0.5) ? r.string(5) : randomValue(r);
      if (r.chance(0.4)) op['from'] = r.pick(JSON_PATHS);
      if (r.chance(0.1)) op[r.string(3)] = 1;
      return r.chance(0.05) ? randomValue(r) : op;
    });
  }

  private mergePatch(k: Known, strategic: boolean): unknown {
    const r = this.r;
    const base: Json = r.chance(0.5)
      ? { metadata: { labels: { x: r.chance(0.7) ? r.string(4) : null } } }
      : this.object(k);
    if (strategic && r.chance(0.4)) {
      const directive = r.pick<Json>([
        { $patch: r.pick(['replace', 'delete', 'merge', 'x']) },
        { $retainKeys: r.chance(0.5) ? ['a'] : 'a' },
        { '$setElementOrder/containers': [{ name: 'c' }, { name: 'zz' }, 7] },
        { '$deleteFromPrimitiveList/finalizers': ['a', {}] },
      ]);
      Object.assign(r.chance(0.5) ? base : objectAt(base, 'spec'), directive);
    }
    return r.chance(0.05) ? randomValue(r) : base;
  }

  private patch(): FuzzRequest {
    const r = this.r;
    const k = this.target();
    const type = r.pick(PATCH_TYPES);
    let body: Buffer;
    if (type === 'application/json-patch+json') body = Buffer.from(JSON.stringify(this.jsonPatch()) ?? '');
    else if (type === 'application/apply-patch+yaml') {
      const obj = this.object(k);
      body = r.chance(0.5) ? encode(r, obj, 'application/apply-patch+yaml').body : Buffer.from(JSON.stringify(obj));
    } else body = encode(r, this.mergePatch(k, type === 'application/strategic-merge-patch+json'), type).body;
    const contentType = r.chance(0.9) ? type : r.pick(['application/json', 'text/plain', '']);
    const keys =
      type === 'application/apply-patch+yaml' && r.chance(0.8)
        ? ['fieldManager', 'force', 'fieldValidation']
        : ['fieldValidation', 'dryRun'];
    let q = this.query(keys);
    if (keys[0] === 'fieldManager' && !q.includes('fieldManager')) q = `${q ? `${q}&` : '?'}fieldManager=fuzz`;
    return {
      method: 'PATCH',
      path: `${this.itemPath(k)}${q}`,
      headers: this.headers(contentType),
      body,
      label: `patch ${type.split('/')[1]} ${k.seed.resource}`,
    };
  }

  private read(): FuzzRequest {
    const r = this.r;
    const k = this.target();
    const list = r.chance(0.5);
    const ns = r.chance(0.2) ? '' : k.namespace;
    const base = list ? collectionPath(k.seed, ns).replace('/namespaces//', '/') : this.itemPath(k);
    return {
      method: 'GET',
      path: `${base}${this.query(['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'resourceVersionMatch'])}`,
      headers: this.headers(),
      label: list ? `list ${k.seed.resource}` : `get ${k.seed.resource}`,
    };
  }

  private watch(): FuzzRequest {
    const k = this.target();
    const q = this.query(['labelSelector', 'fieldSelector', 'resourceVersion', 'timeoutSeconds']);
    return {
      method: 'GET',
      path: `${collectionPath(k.seed, k.namespace)}${q ? `${q}&` : '?'}watch=true&timeoutSeconds=1`,
      headers: this.headers(),
      label: `watch ${k.seed.resource}`,
      watch: true,
    };
  }

  private remove(): FuzzRequest {
    const r = this.r;
    const k = this.target();
    const collection = r.chance(0.3) && k.seed.resource !== 'namespaces';
    const body = r.chance(0.5)
      ? undefined
      : encode(
          r,
          r.chance(0.5)
            ? {
                kind: 'DeleteOptions',
                apiVersion: 'v1',
                propagationPolicy: r.pick(['Foreground', 'x']),
                gracePeriodSeconds: r.pick([0, -1, 'x']),
                preconditions: { uid: r.string(8) },
                dryRun: r.pick([['All'], ['x'], 'All']),
              }
            : randomValue(r),
        ).body;
    const path = collection
      ? `${collectionPath(k.seed, k.namespace)}?labelSelector=${encodeURIComponent(r.pick(['fuzz=yes,app=none', '!!!', 'app=x', 'a in (b']))}`
      : `${this.itemPath(k)}${this.query(['propagationPolicy', 'gracePeriodSeconds', 'dryRun'])}`;
    return {
      method: 'DELETE',
      path,
      headers: this.headers(body ? 'application/json' : undefined),
      body,
      label: collection ? `deletecollection ${k.seed.resource}` : `delete ${k.seed.resource}`,
    };
  }

  private subresource(): FuzzRequest {
    const r = this.r;
    const k = this.target();
    const sub = r.pick(['status', 'scale', 'binding', 'eviction']);
    const method = sub === 'binding' || sub === 'eviction' ? 'POST' : r.pick(['GET', 'PUT', 'PATCH']);
    let body: unknown;
    if (sub === 'binding')
      body = {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: k.name },
        target: r.chance(0.7) ? { kind: 'Node', name: r.pick(['n1', '', 'x'.repeat(300)]) } : randomValue(r),
      };
    else if (sub === 'eviction')
      body = {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: k.name },
        deleteOptions: r.chance(0.5) ? {} : randomValue(r),
      };
    else if (sub === 'scale')
      body =
        method === 'PATCH'
          ? { spec: { replicas: r.pick([1, -1, 'x', 2 ** 40]) } }
          : {
              apiVersion: 'autoscaling/v1',
              kind: 'Scale',
              metadata: { name: k.name },
              spec: { replicas: r.pick([0, 2, -3, 1.5, null]) },
            };
    else body = method === 'PATCH' ? { status: randomValue(r) } : this.object(k);
    if (r.chance(0.5) && body && typeof body === 'object') mutate(r, body as Json);
    const contentType = method === 'PATCH' ? r.pick(PATCH_TYPES.slice(0, 3)) : 'application/json';
    const enc = method === 'GET' ? undefined : encode(r, body, contentType);
    return {
      method,
      path: `${this.itemPath(k)}/${sub}${this.query(['fieldValidation', 'dryRun'])}`,
      headers: this.headers(enc?.contentType),
      body: enc?.body,
      label: `${method.toLowerCase()} ${k.seed.resource}/${sub}`,
    };
  }

  private raw(): FuzzRequest {
    const r = this.r;
    const seed = r.pick(SEEDS);
    const path = r.chance(0.7)
      ? r.pick(RAW_PATHS)
      : `${collectionPath(seed, r.pick(this.namespaces))}/${r.string(r.pick([1, 10, 300]), 'abc%/.-_~!*()')}`;
    const method = r.pick(METHODS);
    const body = method === 'GET' || method === 'HEAD' ? undefined : encode(r, randomValue(r)).body;
    return {
      method,
      path: `${path}${this.query([])}`,
      headers: this.headers(body ? r.pick(['application/json', 'application/yaml', 'text/plain']) : undefined),
      body,
      label: `raw ${method}`,
    };
  }
}
