/**
 * Mutations of valid objects: values of the wrong type or shape, unknown and renamed fields,
 * invalid quantities, names and labels, deep nesting, long strings, and (at serialization)
 * duplicate keys, truncation, flipped bytes, YAML aliases. All driven by one seeded Random.
 */
import { stringify as toYaml } from 'yaml';
import type { Random } from './random.js';

type Json = Record<string, unknown>;

export const QUANTITIES = [
  '',
  ' ',
  '-1',
  '-1Gi',
  'abc',
  '1e400',
  '1e-400',
  '0.5',
  '1m',
  '9Ei',
  '7Ei',
  '1.5.5',
  '1Gib',
  '512mi',
  '100Mi',
  '+1',
  '.',
  'NaN',
  '1e',
  '1E',
  1,
  -5,
  0.25,
  1e21,
];
const NAMES = [
  '',
  'UPPER',
  '-lead',
  'trail-',
  'a'.repeat(254),
  'dots..x',
  'ok-name',
  'ünïcode',
  'a/b',
  '..',
  ' spaced ',
];
const LABEL_KEYS = ['', 'a/b/c', '-x', 'x'.repeat(64), 'example.com/ok', 'kubernetes.io/', 'UP', 'a b'];
const STRINGS = [
  '',
  ' ',
  '\u0000',
  '💥',
  'null',
  '{}',
  '[]',
  '0',
  '-1',
  'true',
  '"',
  '\\',
  '%00',
  '${X}',
  '$(X)',
  '<script>',
  '\r\n',
];

/** A JSON value of any type, sometimes deep or large. */
export function randomValue(r: Random): unknown {
  switch (r.int(11)) {
    case 0:
      return r.pick(STRINGS);
    case 1:
      return r.string(r.int(40));
    case 2:
      return r.pick([0, -1, 1, 1.5, -0.5, 2 ** 31, 2 ** 31 - 1, 2 ** 53 + 1, 1e308, -1e308, 65536, 3]);
    case 3:
      return r.chance(0.5);
    case 4:
      return null;
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return nest(r.pick([3, 20, 100, 499, 500, 501, 1_500]));
    case 8:
      return r.chance(0.9) ? 'x'.repeat(r.int(20_000)) : 'y'.repeat(1_600_000 + r.int(1_000_000));
    case 9:
      return Array.from({ length: r.pick([1, 10, 1_000, 20_000]) }, (_, i) => (r.chance(0.5) ? i : { name: `n${i}` }));
    default:
      return Object.fromEntries(
        Array.from({ length: r.pick([1, 5, 2_000]) }, (_, i) => [`k${i}`, r.chance(0.5) ? `v${i}` : i]),
      );
  }
}

function nest(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 3 === 0 ? [v] : { n: v };
  return v;
}

interface Slot {
  parent: Json | unknown[];
  key: string | number;
}

/** Up to `max` places in the object where a value sits, breadth-first. */
function slots(obj: unknown, max = 400): Slot[] {
  const out: Slot[] = [];
  const queue: unknown[] = [obj];
  while (queue.length && out.length < max) {
    const v = queue.shift();
    if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v, key: i }), queue.push(x)));
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) out.push({ parent: v as Json, key: k }), queue.push(x);
  }
  return out;
}

/** obj[key] as an object, made one if a mutation turned it into something else. */
export function objectAt(obj: Json, key: string): Json {
  const v = obj[key];
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  return (obj[key] = {});
}

const objectsIn = (obj: unknown): Json[] =>
  [obj, ...slots(obj).map((s) => (s.parent as Record<string | number, unknown>)[s.key])].filter(
    (v): v is Json => !!v && typeof v === 'object' && !Array.isArray(v),
  );

/** Applies 1–3 random mutations to `obj` in place. */
export function mutate(r: Random, obj: Json): void {
  for (let n = 1 + r.int(3); n > 0; n--) {
    const all = slots(obj);
    const s = all.length ? r.pick(all) : undefined;
    const at = s ? (s.parent as Record<string | number, unknown>) : undefined;
    switch (r.int(9)) {
      case 0:
        if (at && s) at[s.key] = randomValue(r);
        break;
      case 1:
        if (s && Array.isArray(s.parent)) s.parent.splice(Number(s.key), 1);
        else if (at && s) delete at[s.key];
        break;
      case 2:
        r.pick(objectsIn(obj))[r.chance(0.5) ? r.string(6) : 'foo'] = randomValue(r);
        break;
      case 3: {
        const o = r.pick(objectsIn(obj));
        const k = r.pick(Object.keys(o).concat(['x']));
        o[k.toUpperCase()] = o[k];
        break;
      }
      case 4: {
        // quantities wherever they are (resource lists, size limits, targets)
        const qs = slots(obj).filter(
          (x) =>
            typeof (x.parent as Record<string | number, unknown>)[x.key] === 'string' &&
            /^\d/.test(String((x.parent as Record<string | number, unknown>)[x.key])),
        );
        const q = qs.length ? r.pick(qs) : undefined;
        if (q) (q.parent as Record<string | number, unknown>)[q.key] = r.pick(QUANTITIES);
        break;
      }
      case 5: {
        const meta = objectAt(obj, 'metadata');
        const field = r.pick([
          'name',
          'namespace',
          'resourceVersion',
          'uid',
          'generateName',
          'finalizers',
          'ownerReferences',
          'managedFields',
          'deletionTimestamp',
          'creationTimestamp',
        ]);
        meta[field] = r.chance(0.5) ? r.pick(NAMES) : randomValue(r);
        break;
      }
      case 6: {
        const meta = objectAt(obj, 'metadata');
        meta[r.pick(['labels', 'annotations'])] = {
          [r.pick(LABEL_KEYS)]: r.chance(0.5) ? r.pick(NAMES) : randomValue(r),
        };
        break;
      }
      case 7:
        if (at && s) at[s.key] = typeFlip(r, at[s.key]);
        break;
      default:
        obj[r.pick(['apiVersion', 'kind', 'spec', 'status', 'data'])] = randomValue(r);
    }
  }
}

function typeFlip(r: Random, v: unknown): unknown {
  if (typeof v === 'string') return r.pick([Number(v) || 7, v === 'true', [v], { v }]);
  if (typeof v === 'number') return r.pick([String(v), v + 0.5, -v, [v]]);
  if (typeof v === 'boolean') return r.pick([String(v), Number(v), null]);
  if (Array.isArray(v)) return r.pick([v[0] ?? 'x', { 0: v[0] }, JSON.stringify(v)]);
  return r.pick(['object', 1, [v]]);
}

export interface Encoded {
  body: Buffer;
  contentType: string;
}

/** Serializes an object as a client might, or might get wrong. */
export function encode(r: Random, obj: unknown, json = 'application/json'): Encoded {
  const kind = r.weighted([
    [70, 'json'],
    [15, 'yaml'],
    [15, 'odd'],
  ] as const);
  let text = JSON.stringify(obj) ?? 'null';
  // Big YAML documents cost the yaml package seconds each: big bodies go as JSON.
  if (kind === 'yaml' && text.length < 100_000)
    return {
      body: Buffer.from(yamlText(r, obj)),
      contentType: r.pick(['application/yaml', 'application/yaml; charset=utf-8', 'text/yaml']),
    };
  // Nesting too deep for JSON.stringify itself is spliced in as text.
  if (r.chance(0.02) && text.startsWith('{"')) {
    const d = r.pick([5_000, 100_000]);
    text = `{"deep":${'['.repeat(d)}${']'.repeat(d)},${text.slice(1)}`;
  }
  if (r.chance(0.15)) text = duplicateKey(r, text);
  if (r.chance(0.05)) text = text.slice(0, r.int(text.length));
  if (r.chance(0.03)) {
    const i = r.int(Math.max(text.length, 1));
    text = text.slice(0, i) + r.pick(['"', '{', ']', '\\', '\u0000', ',', '}', 'x']) + text.slice(i + 1);
  }
  if (kind === 'odd')
    return {
      body: Buffer.from(text),
      contentType: r.pick([
        '',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'application/json-patch+json',
        '*/*',
        'application/vnd.kubernetes.protobuf',
        ';;;',
        'application/JSON',
      ]),
    };
  return { body: Buffer.from(text), contentType: json };
}

/** A key of the first object repeated with another value: `{"a":1,...}` → `{"a":"dup","a":1,...}`. */
function duplicateKey(r: Random, text: string): string {
  const m = /\{"([^"\\]{1,40})":/.exec(text.slice(r.int(Math.max(text.length - 50, 1))));
  if (!m) return text;
  const i = text.indexOf(m[0]);
  return `${text.slice(0, i)}{"${m[1]}":${JSON.stringify(randomValue(r)) ?? 'null'},${text.slice(i + 1)}`;
}

function yamlText(r: Random, obj: unknown): string {
  let text: string;
  try {
    text = toYaml(obj, { aliasDuplicateObjects: r.chance(0.5) });
  } catch {
    text = 'a: [';
  }
  if (r.chance(0.2)) {
    // a repeated top-level key, an alias, or a tab
    const extra = r.pick([
      'metadata: {name: again}\n',
      'x: &a [1, 2]\ny: *a\n',
      'z: *undefined\n',
      '\tbad: tab\n',
      `deep: ${'['.repeat(600)}${']'.repeat(600)}\n`,
      'k: |\n  [[[[\n',
    ]);
    text += extra;
  }
  if (r.chance(0.05)) text = text.slice(0, r.int(text.length));
  return text;
}
