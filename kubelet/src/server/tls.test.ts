/**
 * The kubelet's server over real TLS on loopback: only the apiserver's client certificate gets an
 * answer; no certificate, a certificate of another CA (refused in the handshake) and a component's
 * certificate of the right CA (PERMISSION_DENIED) do not; a client pinning another serving
 * certificate does not trust this kubelet.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { CHANNEL_OPTIONS, kubeletService, type StatsResponse } from '@kubelab/proto';
import { generatePki, type PkiMaterial } from '@kubelab/client/pki';
import { issueClientCert, type CertAndKey } from '@kubelab/client/pki-certs';
import { COMPONENT_IDENTITIES, KUBELET_CLIENT_IDENTITY } from '@kubelab/client/component-pki';
import type { KubeletBackend } from './backend.js';
import { startKubeletServer, type KubeletServer } from './server.js';
import { nodeServingCert } from './tls.js';

const backend: KubeletBackend = {
  logs: () => Promise.reject(new Error('unused')),
  exec: () => Promise.reject(new Error('unused')),
  portForward: () => Promise.reject(new Error('unused')),
  stats: () => Promise.resolve({ pods: [] } as unknown as StatsResponse),
};

type StatsClient = grpc.Client & {
  Stats(req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void): void;
};

/** One Stats call with a client certificate (or none), trusting exactly `pinned`; the gRPC status code. */
function statsCall(port: number, pinned: string, client?: CertAndKey): Promise<number> {
  const want = new X509Certificate(pinned).fingerprint256;
  const creds = grpc.credentials.createSsl(
    Buffer.from(pinned),
    client ? Buffer.from(client.key) : null,
    client ? Buffer.from(client.cert) : null,
    {
      checkServerIdentity: (_h, peer) =>
        peer.fingerprint256 === want ? undefined : new Error('not the pinned certificate'),
    },
  );
  const Ctor = kubeletService();
  const c = new Ctor(`127.0.0.1:${port}`, creds, CHANNEL_OPTIONS) as unknown as StatsClient;
  return new Promise((resolve) => {
    c.Stats({ pod: null }, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (err) => {
      c.close();
      resolve(err ? err.code : grpc.status.OK);
    });
  });
}

describe('kubelet server over TLS: the apiserver only', () => {
  let pki: PkiMaterial;
  let serving: CertAndKey;
  let server: KubeletServer;
  const ca = (): CertAndKey => ({ cert: pki.caCert, key: pki.caKey });

  before(async () => {
    pki = await generatePki({ serviceCIDR: '10.96.0.0/12' });
    serving = await nodeServingCert('node-a', '127.0.0.1');
    server = await startKubeletServer({
      backend,
      port: 0,
      host: '127.0.0.1',
      log: pino({ level: 'silent' }),
      tls: { ca: pki.caCert, ...serving },
    });
  });
  after(async () => {
    await server.stop();
  });

  it("answers the apiserver's kubelet-client certificate", async () => {
    assert.equal(
      await statsCall(server.port, serving.cert, await issueClientCert(ca(), KUBELET_CLIENT_IDENTITY)),
      grpc.status.OK,
    );
  });

  it('refuses a component certificate of the cluster CA with PERMISSION_DENIED', async () => {
    assert.equal(
      await statsCall(server.port, serving.cert, await issueClientCert(ca(), COMPONENT_IDENTITIES['kube-proxy']!)),
      grpc.status.PERMISSION_DENIED,
    );
    assert.equal(
      await statsCall(
        server.port,
        serving.cert,
        await issueClientCert(ca(), { cn: 'system:node:node-b', o: ['system:nodes'] }),
      ),
      grpc.status.PERMISSION_DENIED,
    );
  });

  it('refuses a caller without a certificate, or with one of another CA, in the handshake', async () => {
    assert.equal(await statsCall(server.port, serving.cert), grpc.status.UNAVAILABLE);
    const other = await generatePki({ serviceCIDR: '10.96.0.0/12' });
    assert.equal(
      await statsCall(
        server.port,
        serving.cert,
        await issueClientCert({ cert: other.caCert, key: other.caKey }, KUBELET_CLIENT_IDENTITY),
      ),
      grpc.status.UNAVAILABLE,
    );
  });

  it('is not trusted by a client pinned to another serving certificate', async () => {
    const impostor = await nodeServingCert('node-a', '127.0.0.1');
    assert.equal(
      await statsCall(server.port, impostor.cert, await issueClientCert(ca(), KUBELET_CLIENT_IDENTITY)),
      grpc.status.UNAVAILABLE,
    );
  });
});
