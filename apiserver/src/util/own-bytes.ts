/**
 * Bytes kept for long (the watch cache's state and history, a watcher's backlog) must not be a
 * view into a larger allocation: a small Buffer is usually a slice of Node's shared 8 KiB pool
 * slab, or of a whole gRPC message (an etcd list or watch response), and keeps all of it alive.
 * In the watch cache that was ~7.5 KiB of ArrayBuffer per 1 KiB ConfigMap (bench/memory.mjs).
 */
export function ownBytes(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b;
  const own = Buffer.allocUnsafeSlow(b.byteLength);
  b.copy(own);
  return own;
}
