/**
 * The field schema of every kind the lab serves, as JSON sees it: the protobuf tables
 * (rest/protobuf/schema*.ts, upstream's messages with their Go JSON names) read by field name,
 * embedded structs flattened into their parent. One source for both decoders: protobuf bodies
 * are decoded by field number, JSON and YAML bodies are checked by field name.
 */
import { schemaFor } from '../protobuf/kinds.js';
import type { FieldSpec, Schema, ValueType } from '../protobuf/schema.js';

export type { FieldSpec, ValueType };

/** Messages that carry apiVersion/kind themselves wherever they appear (Go's inline TypeMeta). */
const TYPE_META = new Set(['PersistentVolumeClaim', 'DeleteOptions']);

export class FieldSchema {
  private readonly byName = new Map<string, Map<string, FieldSpec>>();

  constructor(
    readonly schema: Schema,
    /** The Go package of this group-version's own messages ("v1", "v2"). */
    readonly goPackage: string,
  ) {}

  /** The fields of `message` by JSON name, inline members merged in. */
  fields(message: string): Map<string, FieldSpec> {
    let m = this.byName.get(message);
    if (m) return m;
    m = new Map();
    for (const f of this.schema.message(message).fields.values()) {
      if (f.inline && f.value.kind === 'message') for (const [k, v] of this.fields(f.value.type)) m.set(k, v);
      else m.set(f.name, f);
    }
    this.byName.set(message, m);
    return m;
  }

  /** Whether objects of `message` carry apiVersion and kind. */
  hasTypeMeta(message: string, root: boolean): boolean {
    return root || TYPE_META.has(message);
  }

  /** Go's name of a value type, as its decoder prints it ("[]v1.Container", "resource.Quantity"). */
  goType(v: ValueType, shape: { repeated?: boolean; map?: boolean } = {}): string {
    const elem = goElem(v, this.goPackage);
    if (shape.repeated) return `[]${elem}`;
    if (shape.map) return `map[string]${elem}`;
    return elem;
  }
}

const GO_SCALAR: Record<string, string> = {
  string: 'string',
  bool: 'bool',
  int32: 'int32',
  int64: 'int64',
  bytes: '[]uint8',
  double: 'float64',
};
const GO_SPECIAL: Record<string, string> = {
  Time: 'v1.Time',
  MicroTime: 'v1.MicroTime',
  Duration: 'v1.Duration',
  IntOrString: 'intstr.IntOrString',
  Quantity: 'resource.Quantity',
  RawExtension: 'runtime.RawExtension',
  FieldsV1: 'v1.FieldsV1',
};

function goElem(v: ValueType, pkg: string): string {
  if (v.kind === 'scalar') return GO_SCALAR[v.type] ?? v.type;
  if (v.kind === 'special') return GO_SPECIAL[v.type] ?? v.type;
  return `${pkg}.${v.type}`;
}

const cache = new Map<string, FieldSchema>();

/** The field schema of a kind (apiVersion "apps/v1", kind "Deployment"), when the lab knows it. */
export function fieldSchemaFor(apiVersion: string, kind: string): FieldSchema | undefined {
  const schema = schemaFor(apiVersion, kind);
  if (!schema) return undefined;
  let fs = cache.get(apiVersion);
  if (!fs) {
    fs = new FieldSchema(schema, apiVersion.split('/').pop() ?? 'v1');
    cache.set(apiVersion, fs);
  }
  return fs;
}
