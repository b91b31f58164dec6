/**
 * CertificateSigningRequest validation (pkg/apis/certificates/validation): the request must be
 * a PEM CERTIFICATE REQUEST, usages given and known and unique, signerName a qualified
 * `domain/path`, expirationSeconds at least 600; conditions Approved/Denied/Failed only True,
 * Approved and Denied never together, no type twice.
 */
import type { CertificateSigningRequest } from '../certificates-types.js';
import type { KubeObject } from '../types.js';
import { duplicate, type FieldError, GoRepr, invalid, notSupported, required } from './errors.js';
import { validateObjectMeta } from './meta.js';

export const KEY_USAGES = [
  'any',
  'cert sign',
  'client auth',
  'code signing',
  'content commitment',
  'crl sign',
  'data encipherment',
  'decipher only',
  'digital signature',
  'email protection',
  'encipher only',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'key agreement',
  'key encipherment',
  'microsoft sgc',
  'netscape sgc',
  'ocsp signing',
  's/mime',
  'server auth',
  'signing',
  'timestamping',
];
const SIGNER_DOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/** Why the base64 PEM is not a CSR, or undefined (the DER itself is parsed by the signer). */
export function csrRequestError(request: unknown): string | undefined {
  if (typeof request !== 'string' || request === '') return 'PEM block type must be CERTIFICATE REQUEST';
  const pem = Buffer.from(request, 'base64').toString('latin1');
  const m = /-----BEGIN ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----/.exec(pem);
  if (!m || (m[1] !== 'CERTIFICATE REQUEST' && m[1] !== 'NEW CERTIFICATE REQUEST'))
    return 'PEM block type must be CERTIFICATE REQUEST';
  const der = Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
  if (der.length < 2 || der[0] !== 0x30)
    return "asn1: structure error: tags don't match (16 vs {class:0 tag:0 length:0 isCompound:false})";
  return undefined;
}

function signerNameErrors(name: unknown): FieldError[] {
  const f = 'spec.signerName';
  if (typeof name !== 'string' || name === '') return [required(f, '')];
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1)
    return [invalid(f, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  if (!SIGNER_DOMAIN.test(name.slice(0, slash)))
    return [invalid(f, name, 'the domain part must be a fully qualified domain name')];
  return [];
}

export function validateCsrConditions(csr: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const conditions = ((csr as CertificateSigningRequest).status?.conditions ?? []) as {
    type?: string;
    status?: string;
  }[];
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const p = `status.conditions[${i}]`;
    if (!c.type) errs.push(required(`${p}.type`, ''));
    if (['Approved', 'Denied', 'Failed'].includes(c.type ?? '')) {
      if (c.status !== 'True') errs.push(notSupported(`${p}.status`, c.status ?? '', ['True']));
    } else if (!['True', 'False', 'Unknown'].includes(c.status ?? ''))
      errs.push(notSupported(`${p}.status`, c.status ?? '', ['False', 'True', 'Unknown']));
    if (c.type && ['Approved', 'Denied', 'Failed'].includes(c.type)) {
      if (seen.has(c.type)) errs.push(duplicate(`${p}.type`, c.type));
      seen.add(c.type);
    }
  });
  if (seen.has('Approved') && seen.has('Denied'))
    errs.push(invalid('status.conditions', 'Approved', 'Approved and Denied conditions are mutually exclusive'));
  return errs;
}

export function validateCertificateSigningRequest(obj: KubeObject): FieldError[] {
  const csr = obj as CertificateSigningRequest;
  const spec = (csr.spec ?? {}) as Partial<CertificateSigningRequest['spec']>;
  const errs = validateObjectMeta(csr.metadata, { namespaced: false });
  const why = csrRequestError(spec.request);
  if (why) errs.push(invalid('spec.request', new GoRepr('[]byte{...}'), why));
  const usages = spec.usages ?? [];
  if (usages.length === 0) errs.push(required('spec.usages', ''));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (!KEY_USAGES.includes(u)) errs.push(notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
    else if (seen.has(u)) errs.push(duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  errs.push(...signerNameErrors(spec.signerName));
  if (
    spec.expirationSeconds !== undefined &&
    (typeof spec.expirationSeconds !== 'number' || spec.expirationSeconds < 600)
  ) {
    errs.push(
      invalid(
        'spec.expirationSeconds',
        spec.expirationSeconds,
        'may not specify a duration less than 600 seconds (10 minutes)',
      ),
    );
  }
  errs.push(...validateCsrConditions(csr));
  return errs;
}
