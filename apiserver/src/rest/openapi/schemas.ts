/**
 * `components.schemas` of an OpenAPI v3 group-version document, derived from the protobuf decoder's
 * tables (the same field names and types the server decodes): what `kubectl explain` walks. Names
 * follow upstream (`io.k8s.api.<group>.<version>.<Message>`, meta/v1 under
 * `io.k8s.apimachinery.pkg.apis.meta.v1`); a field of message type is `allOf: [{$ref}]`, a list is
 * `array` + `items`, a map `object` + `additionalProperties`; embedded (inline) messages are
 * flattened into their parent. Each served kind carries `x-kubernetes-group-version-kind`, which
 * is how kubectl finds it. Kinds the tables do not describe get their outline (metadata, spec,
 * status) so that explain still answers.
 */
import { tablesFor } from '../protobuf/kinds.js';
import { CORE_V1 } from '../protobuf/schema-core.js';
import { META_V1 } from '../protobuf/schema-meta.js';
import { type FieldSpec, parseFieldSpec, type SpecialType, type Table } from '../protobuf/schema.js';
import { ENUMS, fieldDescription, kindDescription, REQUIRED } from './descriptions.js';
import { OUTLINES } from './outlines.js';

export type JsonSchema = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

const SPECIALS: Record<SpecialType, { name: string; schema: JsonSchema }> = {
  Time: { name: `${META}.Time`, schema: { type: 'string', format: 'date-time' } },
  MicroTime: { name: `${META}.MicroTime`, schema: { type: 'string', format: 'date-time' } },
  Duration: { name: `${META}.Duration`, schema: { type: 'string' } },
  IntOrString: {
    name: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    schema: { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
  },
  Quantity: {
    name: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
    schema: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  },
  RawExtension: { name: 'io.k8s.apimachinery.pkg.runtime.RawExtension', schema: { type: 'object' } },
  FieldsV1: { name: `${META}.FieldsV1`, schema: { type: 'object' } },
};

const SCALARS: Record<string, JsonSchema> = {
  string: { type: 'string' },
  bool: { type: 'boolean' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  double: { type: 'number', format: 'double' },
  bytes: { type: 'string', format: 'byte' },
};

function ref(name: string): JsonSchema {
  return { allOf: [{ $ref: `#/components/schemas/${name}` }] };
}

/** "apps" → io.k8s.api.apps.v1; "networking.k8s.io" → io.k8s.api.networking.v1; "" → core. */
export function groupPrefix(group: string, version: string): string {
  return `io.k8s.api.${group ? group.split('.')[0] : 'core'}.${version}`;
}

/** Collects the components reachable from the kinds of one group-version. */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};
  constructor(
    private readonly tables: Table[],
    private readonly prefix: string,
  ) {}

  has(message: string): boolean {
    return this.tables.some((t) => t[message] !== undefined);
  }

  private tableOf(message: string): Table {
    const table = this.tables.find((t) => t[message] !== undefined);
    if (!table) throw new Error(`openapi: no table describes ${message}`);
    return table;
  }

  nameOf(message: string): string {
    const table = this.tableOf(message);
    if (table === META_V1) return `${META}.${message}`;
    return `${table === CORE_V1 ? 'io.k8s.api.core.v1' : this.prefix}.${message}`;
  }

  /** Adds `message` (and everything it refers to) and returns its component name. */
  add(message: string): string {
    const name = this.nameOf(message);
    if (this.schemas[name]) return name;
    const schema: JsonSchema = { type: 'object' };
    this.schemas[name] = schema; // before the fields: messages may refer to themselves
    const properties: Record<string, JsonSchema> = {};
    this.collect(message, message, properties);
    schema['properties'] = properties;
    const required = (REQUIRED[message] ?? []).filter((f) => properties[f]);
    if (required.length > 0) schema['required'] = required;
    return name;
  }

  /** The fields of `message` into `into`, described as fields of `owner` (inline messages merge). */
  private collect(message: string, owner: string, into: Record<string, JsonSchema>): void {
    const table = this.tableOf(message);
    for (const spec of Object.values(table[message]!)) {
      const f = parseFieldSpec(spec);
      if (f.inline && f.value.kind === 'message') {
        this.collect(f.value.type, owner, into);
        continue;
      }
      const schema = this.field(f);
      const description = fieldDescription(owner, f.name);
      if (description) schema['description'] = description;
      const values = ENUMS[`${owner}.${f.name}`];
      if (values && schema['type'] === 'string') schema['enum'] = values;
      into[f.name] = schema;
    }
  }

  private value(f: FieldSpec): JsonSchema {
    const v = f.value;
    if (v.kind === 'scalar') return { ...SCALARS[v.type] };
    if (v.kind === 'special') {
      const special = SPECIALS[v.type];
      this.schemas[special.name] ??= { ...special.schema };
      return ref(special.name);
    }
    return ref(this.add(v.type));
  }

  private field(f: FieldSpec): JsonSchema {
    const value = this.value(f);
    if (f.repeated) return { type: 'array', items: value };
    if (f.map) return { type: 'object', additionalProperties: value };
    return value;
  }
}

function typeMeta(): Record<string, JsonSchema> {
  return {
    apiVersion: { type: 'string', description: fieldDescription('', 'apiVersion') },
    kind: { type: 'string', description: fieldDescription('', 'kind') },
  };
}

/**
 * The schemas of one group-version's document: every kind in `kinds` (tagged with its GVK) and the
 * messages they use.
 */
export function componentSchemas(group: string, version: string, kinds: string[]): Record<string, JsonSchema> {
  const apiVersion = group ? `${group}/${version}` : version;
  const prefix = groupPrefix(group, version);
  const own = OUTLINES[apiVersion];
  const c = new Components([...(own ? [own] : []), ...(tablesFor(apiVersion) ?? [CORE_V1, META_V1])], prefix);
  for (const kind of kinds) {
    let schema: JsonSchema;
    if (c.has(kind) && c.nameOf(kind).startsWith(prefix)) {
      schema = c.schemas[c.add(kind)]!;
    } else {
      // Not in the tables: the outline every object has.
      schema = {
        type: 'object',
        properties: {
          metadata: { ...ref(c.add('ObjectMeta')), description: fieldDescription(kind, 'metadata') },
          spec: { type: 'object', description: fieldDescription(kind, 'spec') },
        },
      };
      c.schemas[`${prefix}.${kind}`] = schema;
    }
    schema['properties'] = { ...typeMeta(), ...(schema['properties'] as Record<string, JsonSchema>) };
    const description = kindDescription(kind);
    if (description) schema['description'] = description;
    schema['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
  }
  return c.schemas;
}
