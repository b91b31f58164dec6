import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { ApiserverConfig } from './config.js';
import { loadServingPki } from './serving-pki.js';

const base: ApiserverConfig = {
  etcdEndpoints: [],
  grpcPort: 0,
  restPort: 0,
  serviceCIDR: '10.244.128.0/17',
  nodePortRange: '30000-30099',
  compactIntervalSeconds: 0,
  eventTTLSeconds: 3600,
  pkiGenerateDir: '',
  serviceAccountIssuer: 'https://kubernetes.default.svc.cluster.local',
};
const log = pino({ level: 'silent' });

test('loadServingPki: nothing configured means plain HTTP', async () => {
  assert.equal(await loadServingPki(base, log), undefined);
});

test('loadServingPki: reads the configured directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-spki-'));
  try {
    for (const [f, v] of Object.entries({
      'apiserver.crt': 'CERT',
      'apiserver.key': 'KEY',
      token: 'tok\n',
      'ca.crt': 'CA',
      'bootstrap-token': 'abcdef.0123456789abcdef\n',
    }))
      await writeFile(join(dir, f), v);
    const p = await loadServingPki({ ...base, pkiDir: dir, pkiGenerateDir: join(dir, 'gen') }, log);
    assert.deepEqual(p, {
      tls: { cert: 'CERT', key: 'KEY', clientCA: 'CA' },
      token: 'tok',
      bootstrapToken: 'abcdef.0123456789abcdef',
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadServingPki: configured but empty makes its own PKI (kubelet client, bootstrap token too), the same after a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-spki-'));
  try {
    const cfg = { ...base, pkiDir: join(dir, 'none'), pkiGenerateDir: join(dir, 'gen') };
    const first = await loadServingPki(cfg, log);
    assert.match(first?.tls.cert ?? '', /BEGIN CERTIFICATE/);
    assert.match(first?.caKey ?? '', /BEGIN PRIVATE KEY/);
    assert.match(first?.kubeletClient?.cert ?? '', /BEGIN CERTIFICATE/);
    assert.match(first?.token ?? '', /^[0-9a-f]{64}$/);
    assert.match(first?.bootstrapToken ?? '', /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    assert.deepEqual(await loadServingPki(cfg, log), first);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
