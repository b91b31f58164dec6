/** Helpers for the ServiceAccount token tests: a signing key pair, a TokenRequest's token, a node's identity. */
import { generateKeyPairSync } from 'node:crypto';
import type { UserInfo } from '../auth/user.js';

/** A fresh ES256 key pair as PEM (sa.key, sa.pub). */
export function keyPair(): { key: string; pub: string } {
  const p = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    key: p.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    pub: p.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** The token of a TokenRequest's answer. */
export const tokenOf = (tr: Record<string, unknown>): string => (tr['status'] as { token: string }).token;

/** Node n's kubelet, as its client certificate authenticates it. */
export const nodeUser = (n: string): UserInfo => ({
  name: `system:node:${n}`,
  groups: ['system:nodes', 'system:authenticated'],
});
