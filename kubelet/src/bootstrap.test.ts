import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { generatePki, type PkiMaterial } from '@kubelab/client/pki';
import { certSubject, readCsr, signClientCert } from '@kubelab/client/pki-certs';
import {
  KUBELET_SIGNER,
  bootstrapCertificate,
  keptCertificate,
  refusedTokenMessage,
  type CsrApi,
} from './bootstrap.js';

type Csr = KubeObject & {
  spec: { request: string; signerName: string; usages: string[] };
  status?: { certificate?: string; conditions?: { type: string; status: string; reason?: string }[] };
};

/** A CSR API that signs every request with the CA on its second read (or denies, or refuses). */
class FakeCsrApi implements CsrApi {
  readonly created: Csr[] = [];
  private reads = 0;
  constructor(
    private readonly pki: PkiMaterial,
    private readonly mode: 'sign' | 'deny' | 'unauthorized' | 'absent' = 'sign',
  ) {}
  async create<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    assert.equal(resource, 'certificatesigningrequests');
    if (this.mode === 'unauthorized') throw new ApiError('Unauthorized', 'the bearer token is not valid');
    if (this.mode === 'absent') throw new ApiError('NotFound', 'the server could not find the requested resource');
    this.created.push(structuredClone(obj) as unknown as Csr);
    return obj;
  }
  async get<T extends KubeObject>(_r: string, _ns: string, name: string): Promise<T> {
    const csr = this.created.find((c) => c.metadata.name === name)!;
    if (++this.reads < 2) return csr as unknown as T;
    if (this.mode === 'deny')
      return {
        ...csr,
        status: { conditions: [{ type: 'Denied', status: 'True', reason: 'NotAllowed' }] },
      } as unknown as T;
    const req = await readCsr(Buffer.from(csr.spec.request, 'base64').toString('utf8'));
    const cert = await signClientCert({ cert: this.pki.caCert, key: this.pki.caKey }, req.publicKey, req.subject);
    return { ...csr, status: { certificate: Buffer.from(cert).toString('base64') } } as unknown as T;
  }
}

const log = pino({ level: 'silent' });

describe('kubelet TLS bootstrap', () => {
  it('submits a CSR for system:node:<name> in system:nodes to the kubelet signer, keeps the signed certificate, and reuses it', async () => {
    const pki = await generatePki({ serviceCIDR: '10.96.0.0/12' });
    const dir = await mkdtemp(join(tmpdir(), 'kubelab-boot-'));
    try {
      const api = new FakeCsrApi(pki);
      const pair = await bootstrapCertificate(
        { api, nodeName: 'node-a', ca: pki.caCert, dir, log, pollMs: 1 },
        new AbortController().signal,
      );
      assert.ok(pair);
      assert.deepEqual(certSubject(new X509Certificate(pair.cert)), { cn: 'system:node:node-a', o: ['system:nodes'] });
      const csr = api.created[0]!;
      assert.equal(csr.spec.signerName, KUBELET_SIGNER);
      assert.deepEqual(csr.spec.usages, ['digital signature', 'client auth']);
      assert.deepEqual((await readCsr(Buffer.from(csr.spec.request, 'base64').toString('utf8'))).subject, {
        cn: 'system:node:node-a',
        o: ['system:nodes'],
      });
      assert.deepEqual(await keptCertificate({ dir, nodeName: 'node-a', ca: pki.caCert }), pair);
      assert.equal(
        await keptCertificate({ dir, nodeName: 'node-b', ca: pki.caCert }),
        undefined,
        'another node has none',
      );
      const other = await generatePki({ serviceCIDR: '10.96.0.0/12' });
      assert.equal(
        await keptCertificate({ dir, nodeName: 'node-a', ca: other.caCert }),
        undefined,
        'not of this CA: not kept',
      );
      const again = new FakeCsrApi(pki);
      assert.deepEqual(
        await bootstrapCertificate(
          { api: again, nodeName: 'node-a', ca: pki.caCert, dir, log },
          new AbortController().signal,
        ),
        pair,
      );
      assert.equal(again.created.length, 0, 'a kept certificate needs no request');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('goes on with the token when the apiserver has no CSR API; retries (and says why) when refused or denied', async () => {
    const pki = await generatePki({ serviceCIDR: '10.96.0.0/12' });
    const dir = await mkdtemp(join(tmpdir(), 'kubelab-boot-'));
    try {
      assert.equal(
        await bootstrapCertificate(
          { api: new FakeCsrApi(pki, 'absent'), nodeName: 'n', ca: pki.caCert, dir, log },
          new AbortController().signal,
        ),
        undefined,
      );
      for (const mode of ['unauthorized', 'deny'] as const) {
        const lines: string[] = [];
        const spy = pino({ level: 'error' }, { write: (l: string) => lines.push(l) });
        const ac = new AbortController();
        const done = bootstrapCertificate(
          { api: new FakeCsrApi(pki, mode), nodeName: 'n', ca: pki.caCert, dir, log: spy, pollMs: 1 },
          ac.signal,
        );
        while (lines.length === 0) await new Promise((r) => setTimeout(r, 5));
        ac.abort();
        assert.equal(await done, undefined);
        assert.match(
          lines[0]!,
          mode === 'deny'
            ? /was denied: NotAllowed/
            : /refused the bootstrap token .*wrong, expired or deleted.*kubelab token create/,
        );
      }
      assert.match(refusedTokenMessage(new Error('x')), /KUBELAB_API_TOKEN_FILE/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
