import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { ApiserverConfig } from './config.js';
import { loadServingPki } from './serving-pki.js';

const base: ApiserverConfig = { etcdEndpoints: [], grpcPort: 0, restPort: 0, serviceCIDR: '10.244.128.0/17', nodePortRange: '30000-30099', compactIntervalSeconds: 0, eventTTLSeconds: 3600, pkiGenerateDir: '' };
const log = pino({ level: 'silent' });

test('loadServingPki: nothing configured means plain HTTP', async () => {
  assert.equal(await loadServingPki(base, log), undefined);
});

test('loadServingPki: reads the configured files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-spki-'));
  try {
    await writeFile(join(dir, 'c'), 'CERT');
    await writeFile(join(dir, 'k'), 'KEY');
    await writeFile(join(dir, 't'), 'tok\n');
    const p = await loadServingPki({ ...base, tlsCertFile: join(dir, 'c'), tlsKeyFile: join(dir, 'k'), tokenFile: join(dir, 't'), pkiGenerateDir: join(dir, 'gen') }, log);
    assert.deepEqual(p, { tls: { cert: 'CERT', key: 'KEY' }, token: 'tok' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadServingPki: configured but missing makes its own PKI, the same after a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-spki-'));
  try {
    const cfg = { ...base, tlsCertFile: join(dir, 'none.crt'), tlsKeyFile: join(dir, 'none.key'), tokenFile: join(dir, 'none'), pkiGenerateDir: join(dir, 'gen') };
    const first = await loadServingPki(cfg, log);
    assert.match(first?.tls.cert ?? '', /BEGIN CERTIFICATE/);
    assert.match(first?.token ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(await loadServingPki(cfg, log), first);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
