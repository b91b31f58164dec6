/** Reading request bodies, bounded (decoding them: decode/request-body.ts). */
import type { IncomingMessage } from 'node:http';
import { entityTooLarge } from '@kubelab/proto';

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
