/**
 * The Kubernetes protobuf envelope: the 4 magic bytes `k8s\0`, then a runtime.Unknown
 * {1: TypeMeta{1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType} whose
 * `raw` is the typed object's protobuf encoding.
 */
import { decodeMessage } from './decode.js';
import { schemaFor } from './kinds.js';
import { ProtobufError, Reader, WIRE_LEN } from '@kubelab/proto/wire';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_MAGIC = Uint8Array.from([0x6b, 0x38, 0x73, 0x00]);

export interface UnknownEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** The kind is not one the decoder has a schema for. */
export class UnknownKindError extends ProtobufError {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`no kind "${kind}" is registered for version "${apiVersion}" in the protobuf decoder`);
    this.name = 'UnknownKindError';
  }
}

const utf8 = (b: Uint8Array): string => new TextDecoder().decode(b);

function stringField(r: Reader, wire: number, what: string): string {
  if (wire !== WIRE_LEN) throw new ProtobufError(`${what}: wire type ${wire} is not length-delimited`);
  return r.string();
}

export function decodeEnvelope(buf: Uint8Array): UnknownEnvelope {
  if (buf.length < PROTOBUF_MAGIC.length || !PROTOBUF_MAGIC.every((b, i) => buf[i] === b)) {
    throw new ProtobufError('the body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  const r = new Reader(buf, PROTOBUF_MAGIC.length);
  const env: UnknownEnvelope = {
    apiVersion: '',
    kind: '',
    raw: new Uint8Array(0),
    contentEncoding: '',
    contentType: '',
  };
  while (!r.done) {
    const t = r.tag();
    switch (t.field) {
      case 1: {
        if (t.wire !== WIRE_LEN) throw new ProtobufError('typeMeta: wire type is not length-delimited');
        const { start, end } = r.lengthDelimited();
        const m = new Reader(buf, start, end);
        while (!m.done) {
          const mt = m.tag();
          if (mt.field === 1) env.apiVersion = stringField(m, mt.wire, 'typeMeta.apiVersion');
          else if (mt.field === 2) env.kind = stringField(m, mt.wire, 'typeMeta.kind');
          else m.skip(mt.wire, mt.field);
        }
        break;
      }
      case 2:
        if (t.wire !== WIRE_LEN) throw new ProtobufError('raw: wire type is not length-delimited');
        env.raw = r.bytes();
        break;
      case 3:
        env.contentEncoding = stringField(r, t.wire, 'contentEncoding');
        break;
      case 4:
        env.contentType = stringField(r, t.wire, 'contentType');
        break;
      default:
        r.skip(t.wire, t.field);
    }
  }
  return env;
}

/**
 * Decodes a `application/vnd.kubernetes.protobuf` body into the object's JSON form, with
 * apiVersion and kind from the envelope. Throws ProtobufError (UnknownKindError for kinds
 * without a schema) on anything it cannot decode.
 */
export function decodeKubernetesProtobuf(buf: Uint8Array): Record<string, unknown> {
  const env = decodeEnvelope(buf);
  if (env.contentEncoding !== '') throw new ProtobufError(`unsupported content encoding "${env.contentEncoding}"`);
  if (!env.kind || !env.apiVersion)
    throw new ProtobufError('the envelope does not name the object kind and apiVersion');
  const head = { kind: env.kind, apiVersion: env.apiVersion };
  if (env.contentType === 'application/json') {
    let obj: unknown;
    try {
      obj = JSON.parse(utf8(env.raw));
    } catch {
      throw new ProtobufError('raw: embedded JSON object is not valid JSON');
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
      throw new ProtobufError('raw: embedded JSON is not an object');
    return { ...head, ...(obj as Record<string, unknown>) };
  }
  if (env.contentType !== '' && env.contentType !== PROTOBUF_MEDIA_TYPE)
    throw new ProtobufError(`unsupported embedded content type "${env.contentType}"`);
  const schema = schemaFor(env.apiVersion, env.kind);
  if (!schema) throw new UnknownKindError(env.apiVersion, env.kind);
  return { ...head, ...decodeMessage(schema, env.kind, env.raw, 0, env.raw.length) };
}
