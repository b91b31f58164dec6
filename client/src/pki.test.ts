import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiserverSANs,
  checkPki,
  ensurePki,
  generatePki,
  generateToken,
  kubernetesServiceIP,
  PKI_FILES,
} from './pki.js';

const CIDR = '10.244.128.0/17';

test('kubernetesServiceIP: first address of the service CIDR plus one', () => {
  assert.equal(kubernetesServiceIP(CIDR), '10.244.128.1');
  assert.equal(kubernetesServiceIP('10.96.0.0/12'), '10.96.0.1');
  assert.equal(kubernetesServiceIP('10.96.5.7/16'), '10.96.0.1');
  assert.throws(() => kubernetesServiceIP('10.96.0.0'), /KUBELAB_SERVICE_CIDR: Invalid value/);
  assert.throws(() => kubernetesServiceIP('300.1.1.1/8'), /Invalid value/);
});

test('generateToken: 32 random bytes in hex', () => {
  const a = generateToken();
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, generateToken());
});

test('generatePki: CA and serving certificate with the SANs, 10 years, chained', async () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const m = await generatePki({ serviceCIDR: CIDR, now });
  const ca = new X509Certificate(m.caCert);
  const cert = new X509Certificate(m.cert);
  assert.equal(ca.ca, true);
  assert.equal(cert.ca, false);
  assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey));
  const years = (new Date(ca.validTo).getTime() - now.getTime()) / (365 * 24 * 3600 * 1000);
  assert.ok(years > 9.9 && years < 10.1, `CA valid for ${years} years`);
  for (const ip of ['127.0.0.1', '10.244.128.1']) assert.equal(cert.checkIP(ip), ip);
  for (const dns of apiserverSANs(CIDR).dns) assert.equal(cert.checkHost(dns), dns);
  assert.equal(cert.checkHost('example.com'), undefined);
  assert.equal(cert.checkIP('10.244.128.2'), undefined);
  assert.match(cert.subjectAltName ?? '', /DNS:kubernetes\.default\.svc\.cluster\.local/);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']); // serverAuth
  assert.equal(checkPki(m, CIDR, now), undefined);
});

test('checkPki: rejects a bad token, another CIDR, a foreign CA and expiry', async () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const m = await generatePki({ serviceCIDR: CIDR, now });
  const other = await generatePki({ serviceCIDR: CIDR, now });
  assert.match(checkPki({ ...m, token: 'short' }, CIDR, now) ?? '', /token/);
  assert.match(checkPki(m, '10.96.0.0/12', now) ?? '', /lacks IP 10\.96\.0\.1/);
  assert.match(checkPki({ ...m, caCert: other.caCert, caKey: other.caKey }, CIDR, now) ?? '', /not signed by the CA/);
  assert.match(checkPki({ ...m, key: other.key }, CIDR, now) ?? '', /key does not match/);
  assert.match(checkPki(m, CIDR, new Date('2035-12-20T00:00:00Z')) ?? '', /expires/);
  assert.match(checkPki({ ...m, cert: 'junk' }, CIDR, now) ?? '', /unreadable/);
});

test('ensurePki: writes once, reuses valid files, remakes invalid ones keeping the token and a usable CA', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-pki-'));
  try {
    const first = await ensurePki(join(dir, 'pki'), CIDR);
    assert.equal(first.generated, true);
    assert.equal((await stat(join(dir, 'pki', PKI_FILES.key))).mode & 0o777, 0o600);
    assert.equal((await readFile(join(dir, 'pki', PKI_FILES.token), 'utf8')).trim(), first.material.token);
    const again = await ensurePki(join(dir, 'pki'), CIDR);
    assert.equal(again.generated, false);
    assert.deepEqual(again.material, first.material);
    await writeFile(join(dir, 'pki', PKI_FILES.cert), 'broken');
    const remade = await ensurePki(join(dir, 'pki'), CIDR);
    assert.equal(remade.generated, true);
    assert.match(remade.reason ?? '', /unreadable/);
    assert.equal(remade.material.token, first.material.token);
    assert.equal(remade.material.caCert, first.material.caCert, 'a usable CA is never made again');
    assert.notEqual(remade.material.cert, first.material.cert);
    await writeFile(join(dir, 'pki', PKI_FILES.caKey), 'broken');
    const newCa = await ensurePki(join(dir, 'pki'), CIDR);
    assert.notEqual(newCa.material.caCert, first.material.caCert, 'an unusable CA is replaced');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ensurePki: apiservers sharing an empty directory end up with one CA, certificate and token', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-pki-shared-'));
  try {
    const made = await Promise.all([ensurePki(dir, CIDR), ensurePki(dir, CIDR), ensurePki(dir, CIDR)]);
    assert.equal(made.filter((m) => m.generated).length, 1, 'one of them made it, the others waited and read it');
    for (const m of made) assert.deepEqual(m.material, made[0]!.material);
    for (const name of ['apiserver-2', 'apiserver-lb'])
      assert.equal(new X509Certificate(made[0]!.material.cert).checkHost(name), name);
    await assert.rejects(stat(join(dir, '.lock')), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ensureClusterPki: every component gets its own directory with its identity, the kubelets only the CA and the bootstrap token; idempotent', async () => {
  const { ensureClusterPki, COMPONENT_IDENTITIES } = await import('./component-pki.js');
  const { certSubject, checkClientCert } = await import('./pki-certs.js');
  const { readdir } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-cpki-'));
  try {
    const first = await ensureClusterPki(dir, CIDR);
    const ca = new X509Certificate(first.material.caCert);
    assert.match(first.bootstrapToken, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    for (const [name, subject] of Object.entries(COMPONENT_IDENTITIES)) {
      const sub = join(dir, 'components', name);
      assert.deepEqual((await readdir(sub)).sort(), ['ca.crt', 'client.crt', 'client.key']);
      const cert = new X509Certificate(await readFile(join(sub, 'client.crt'), 'utf8'));
      assert.equal(checkClientCert(cert, ca), undefined);
      assert.deepEqual(certSubject(cert), { cn: subject.cn, o: [] });
      assert.equal((await stat(join(sub, 'client.key'))).mode & 0o777, 0o600);
    }
    assert.deepEqual((await readdir(join(dir, 'components', 'kubelet'))).sort(), ['bootstrap-token', 'ca.crt']);
    const kc = new X509Certificate(await readFile(join(dir, 'kubelet-client.crt'), 'utf8'));
    assert.deepEqual(certSubject(kc), { cn: 'kube-apiserver-kubelet-client', o: ['system:masters'] });
    const again = await ensureClusterPki(dir, CIDR);
    assert.deepEqual(again.made, []);
    assert.equal(again.bootstrapToken, first.bootstrapToken);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
