/**
 * pod-template-hash: a stable hash of a pod template, encoded with upstream's safe alphabet, so
 * the same template always maps to the same ReplicaSet name.
 */
import type { PodTemplateSpec } from './types.js';

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** Drops null, undefined, empty strings, empty maps and empty lists; sorts keys. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c === undefined || c === null || c === '') continue;
      if (typeof c === 'object' && Object.keys(c as object).length === 0) continue;
      out[k] = c;
    }
    return out;
  }
  return v;
}

function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function podTemplateHash(template: PodTemplateSpec, collisionCount = 0): string {
  const t = structuredClone(template);
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  const h = fnv32a(JSON.stringify(canonical(t)) + (collisionCount ? String(collisionCount) : ''));
  // As upstream: each digit of the decimal hash mapped onto the safe alphabet ("7d4b9c8f6d").
  return [...String(h)].map((d) => SAFE[d.charCodeAt(0) % SAFE.length]).join('');
}
