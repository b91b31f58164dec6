/** Reading request bodies and decoding them (JSON, YAML or Kubernetes protobuf) into objects. */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, entityTooLarge } from '@kubelab/proto';
import { baseType } from './media.js';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE, ProtobufError } from './protobuf/index.js';

/** Upstream's default request body limit (3 MiB: twice etcd's 1.5 MiB, for JSON's overhead). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the whole body; over `limit` bytes (announced or sent) is upstream's 413. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) throw entityTooLarge(`limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw entityTooLarge(`limit is ${limit}`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

const JSON_TYPES = new Set(['', 'application/json']);
const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml']);

export function unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
  void contentType;
  return new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

function decodeError(e: unknown): ApiError {
  const msg = e instanceof Error ? e.message : String(e);
  return new ApiError('BadRequest', `error decoding body: ${msg.split('\n')[0]}`);
}

/** Parses JSON text; the error names what was wrong, as a 400. */
export function parseJsonBody(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw decodeError(e);
  }
}

export function parseYamlBody(buf: Buffer): unknown {
  try {
    return parseYaml(buf.toString('utf8'));
  } catch (e) {
    throw decodeError(e);
  }
}

/**
 * Decodes a Kubernetes protobuf body (what kubectl 1.32+ typed clients send) into its JSON form;
 * anything undecodable is a 400 naming what was wrong.
 */
export function parseProtobufBody(buf: Buffer): unknown {
  try {
    return decodeKubernetesProtobuf(buf);
  } catch (e) {
    if (e instanceof ProtobufError) throw new ApiError('BadRequest', `error decoding protobuf body: ${e.message}`);
    throw e;
  }
}

/** Decodes a create/update body by its Content-Type; anything unknown is 415. */
export function decodeBody(buf: Buffer, contentType: string | undefined): unknown {
  const t = baseType(contentType);
  if (JSON_TYPES.has(t)) return parseJsonBody(buf);
  if (YAML_TYPES.has(t)) return parseYamlBody(buf);
  if (t === PROTOBUF_MEDIA_TYPE) return parseProtobufBody(buf);
  throw unsupportedMediaType(t, ['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE]);
}
