/**
 * The schema language of the protobuf decoder: compact tables, one per API group-version,
 * mapping message name -> field number -> field spec. Field numbers are those of upstream's
 * generated.proto files; JSON names are the Go struct's JSON names.
 *
 * A field spec is `name[:type][!]`:
 *  - type defaults to `string`; scalars: string, bool, int32, int64, bytes (base64), double;
 *    special messages: Time, MicroTime, Duration, IntOrString, Quantity, RawExtension, FieldsV1;
 *    anything else names a message (looked up in the table, then in its fallbacks).
 *  - `[]T` repeated; `map<T>` map with string keys and values of type T (default string).
 *  - `!` keeps a zero value when present (pointer fields and fields without omitempty in Go);
 *    other zero scalars are pruned, the way Go's `omitempty` drops them from JSON.
 *  - `~` emits null when the field is absent (Go nil slices, maps and pointers without omitempty,
 *    e.g. Role.rules: kubectl's JSON carries `"rules": null`).
 *  - name `*` embeds the message inline (Go `json:",inline"`): its fields merge into the parent.
 */

export type Table = Record<string, Record<number, string>>;

export const SCALARS = ['string', 'bool', 'int32', 'int64', 'bytes', 'double'] as const;
export type ScalarType = (typeof SCALARS)[number];

export const SPECIALS = [
  'Time',
  'MicroTime',
  'Duration',
  'IntOrString',
  'Quantity',
  'RawExtension',
  'FieldsV1',
] as const;
export type SpecialType = (typeof SPECIALS)[number];

export type ValueType =
  | { kind: 'scalar'; type: ScalarType }
  | { kind: 'special'; type: SpecialType }
  | { kind: 'message'; type: string };

export interface FieldSpec {
  name: string;
  value: ValueType;
  repeated: boolean;
  map: boolean;
  keepZero: boolean;
  nullIfAbsent: boolean;
  inline: boolean;
}

function valueType(t: string): ValueType {
  if ((SCALARS as readonly string[]).includes(t)) return { kind: 'scalar', type: t as ScalarType };
  if ((SPECIALS as readonly string[]).includes(t)) return { kind: 'special', type: t as SpecialType };
  return { kind: 'message', type: t };
}

/** Parses one field spec string (see the module comment). */
export function parseFieldSpec(spec: string): FieldSpec {
  let s = spec.trim();
  const nullIfAbsent = s.endsWith('~');
  if (nullIfAbsent) s = s.slice(0, -1);
  const keepZero = s.endsWith('!');
  if (keepZero) s = s.slice(0, -1);
  const colon = s.indexOf(':');
  const name = colon < 0 ? s : s.slice(0, colon);
  let type = colon < 0 ? 'string' : s.slice(colon + 1);
  let repeated = false;
  let map = false;
  if (type.startsWith('[]')) {
    repeated = true;
    type = type.slice(2);
  } else if (type.startsWith('map')) {
    map = true;
    const m = /^map(?:<(\w+)>)?$/.exec(type);
    if (!m) throw new Error(`bad map spec ${spec}`);
    type = m[1] ?? 'string';
  }
  return { name, value: valueType(type), repeated, map, keepZero, nullIfAbsent, inline: name === '*' };
}

export interface MessageSchema {
  name: string;
  fields: Map<number, FieldSpec>;
}

/**
 * A set of tables searched in order: a group-version's own table first, then shared ones
 * (core/v1, meta/v1). Message schemas are parsed once and cached.
 */
export class Schema {
  private readonly cache = new Map<string, MessageSchema>();
  constructor(private readonly tables: Table[]) {}

  has(name: string): boolean {
    return this.tables.some((t) => t[name] !== undefined);
  }

  /** The table a message is found in (the first that has it). */
  tableOf(name: string): Table | undefined {
    return this.tables.find((t) => t[name] !== undefined);
  }

  message(name: string): MessageSchema {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const table = this.tableOf(name);
    if (!table) throw new Error(`protobuf schema: unknown message ${name}`);
    const fields = new Map<number, FieldSpec>();
    for (const [n, spec] of Object.entries(table[name]!)) fields.set(Number(n), parseFieldSpec(spec));
    const m = { name, fields };
    this.cache.set(name, m);
    return m;
  }

  /** Every message reachable from `root` resolves (used by tests to check the tables). */
  check(root: string, seen = new Set<string>()): void {
    if (seen.has(root)) return;
    seen.add(root);
    for (const f of this.message(root).fields.values()) if (f.value.kind === 'message') this.check(f.value.type, seen);
  }
}
