/**
 * Key and certificate primitives of the cluster PKI: ECDSA P-256 keys through Node's webcrypto,
 * certificates by @peculiar/x509, PEM in and out. Shared by pki.ts (CA, serving certificate) and
 * pki-certs.ts (client certificates, CSRs).
 */
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export type Key = webcrypto.CryptoKey;
export type KeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as never);

export const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
export const DAY = 24 * 60 * 60 * 1000;

export async function keyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
}

export async function keyPem(key: Key): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

/** A random positive 128-bit serial number, hex. */
export const serial = (): string => {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // positive
  return b.toString('hex');
};

/** A PEM private key (PKCS#8 or SEC1) as a signing key. */
export async function importKey(pem: string): Promise<Key> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
}

/** A PEM public key (SPKI) of a certificate or CSR as a webcrypto key. */
export async function importPublic(spkiDer: ArrayBuffer): Promise<Key> {
  return webcrypto.subtle.importKey('spki', spkiDer, ALG, true, ['verify']);
}

export { x509 };
