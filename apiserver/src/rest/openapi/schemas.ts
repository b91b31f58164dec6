/**
 * `components.schemas` of an OpenAPI v3 group-version document, derived from the protobuf decoder's
 * tables (the same field names and types the server decodes): what `kubectl explain` walks. Names
 * follow upstream (`io.k8s.api.<group>.<version>.<Message>`, meta/v1 under
 * `io.k8s.apimachinery.pkg.apis.meta.v1`); a field of message type is `allOf: [{$ref}]`, a list is
 * `array` + `items`, a map `object` + `additionalProperties`; embedded (inline) messages are
 * flattened into their parent. Each served kind carries `x-kubernetes-group-version-kind`, which
 * is how kubectl finds it. Kinds the decoder has no table for are described in outlines.ts.
 */
import { tablesFor } from '../protobuf/kinds.js';
import { CORE_V1 } from '../protobuf/schema-core.js';
import { META_V1 } from '../protobuf/schema-meta.js';
import { type FieldSpec, Schema, type SpecialType } from '../protobuf/schema.js';
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
function groupPrefix(group: string, version: string): string {
  return `io.k8s.api.${group ? group.split('.')[0] : 'core'}.${version}`;
}

/** Collects the components reachable from the kinds of one group-version. */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};
  constructor(
    private readonly messages: Schema,
    private readonly prefix: string,
  ) {}

  /** The component name of a message: by the table it comes from (meta/v1, core/v1, the group's own). */
  private nameOf(message: string): string {
    const table = this.messages.tableOf(message);
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
    for (const f of this.messages.message(message).fields.values()) {
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
  const tables = [...(own ? [own] : []), ...(tablesFor(apiVersion) ?? [CORE_V1, META_V1])];
  const c = new Components(new Schema(tables), prefix);
  for (const kind of kinds) {
    // A served kind no table describes throws here ("unknown message"): give it an outline.
    const schema = c.schemas[c.add(kind)]!;
    schema['properties'] = { ...typeMeta(), ...(schema['properties'] as Record<string, JsonSchema>) };
    const description = kindDescription(kind);
    if (description) schema['description'] = description;
    schema['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
  }
  return c.schemas;
}
