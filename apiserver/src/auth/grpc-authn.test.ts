/**
 * The apiserver's gRPC port over real TLS on loopback: who gets in (a component certificate of the
 * cluster CA, the admin token, the bootstrap token) with which identity, and who is refused (no
 * credentials, a wrong token, a certificate of another CA, plain gRPC, a client that does not
 * trust the server's CA), for unary calls and watches.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { ApiClient, type ApiCredentials } from '@kubelab/client';
import { generatePki, type PkiMaterial } from '@kubelab/client/pki';
import { issueClientCert } from '@kubelab/client/pki-certs';
import { COMPONENT_IDENTITIES, KUBELET_CLIENT_IDENTITY } from '@kubelab/client/component-pki';
import { resourcesService, SERVER_OPTIONS } from '@kubelab/proto';
import { serverTls } from '@kubelab/client/grpc-auth';
import { MemoryStore } from '../storage/memory.js';
import { StoreRegistry } from '../registry/registry.js';
import { bootstrap } from '../registry/bootstrap.js';
import { startGrpcServer, stopGrpcServer } from '../grpc/server.js';
import { authenticatedHandlers, type GrpcAuthn, type TokenAuthenticator } from './grpc-authn.js';
import { GROUPS, grpcUser } from './user.js';

const BOOTSTRAP = 'abcdef.0123456789abcdef';
const CIDR = '10.96.0.0/12';
/** Stands in for the bootstrap-token Secrets (bootstrap-token.ts is tested on its own). */
const staticBootstrapToken =
  (token: string): TokenAuthenticator =>
  (given) =>
    Promise.resolve(
      given === token
        ? { name: `system:bootstrap:${token.slice(0, 6)}`, groups: [GROUPS.bootstrappers, GROUPS.authenticated] }
        : undefined,
    );

/** A Resources service whose Get answers with the caller's identity. */
async function whoamiServer(pki: PkiMaterial, authn: GrpcAuthn): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server(SERVER_OPTIONS);
  const def = resourcesService().service;
  const impl: grpc.UntypedServiceImplementation = {
    Get: ((call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, {
        object: Buffer.from(JSON.stringify({ metadata: {}, user: grpcUser(call) })),
      })) as grpc.UntypedHandleCall,
  };
  server.addService(def, authenticatedHandlers(def, impl, authn));
  const creds = serverTls({ ca: pki.caCert, cert: pki.cert, key: pki.key, requireClientCert: false });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? rej(e) : res(p))),
  );
  return { server, port };
}

async function whoami(port: number, credentials: ApiCredentials): Promise<{ name: string; groups: string[] }> {
  const c = new ApiClient(`localhost:${port}`, { credentials, deadlineMs: 5_000 });
  try {
    return ((await c.get('pods', 'default', 'x')) as unknown as { user: { name: string; groups: string[] } }).user;
  } finally {
    c.close();
  }
}

async function refusal(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { code: (err as { reason?: string }).reason, message: (err as Error).message };
  }
  throw new Error('the call was accepted');
}

describe('gRPC authentication over TLS', () => {
  let pki: PkiMaterial;
  let other: PkiMaterial;
  let who: { server: grpc.Server; port: number };
  let authn: GrpcAuthn;

  before(async () => {
    pki = await generatePki({ serviceCIDR: CIDR });
    other = await generatePki({ serviceCIDR: CIDR });
    authn = { caCert: pki.caCert, adminToken: pki.token, tokens: [staticBootstrapToken(BOOTSTRAP)] };
    who = await whoamiServer(pki, authn);
  });
  after(async () => {
    await stopGrpcServer(who.server, 200);
  });

  it('a component certificate of the cluster CA is its identity (CN, O + system:authenticated)', async () => {
    const sched = await issueClientCert({ cert: pki.caCert, key: pki.caKey }, COMPONENT_IDENTITIES.scheduler!);
    assert.deepEqual(await whoami(who.port, { ca: pki.caCert, ...sched }), {
      name: 'system:kube-scheduler',
      groups: ['system:authenticated'],
    });
    const kc = await issueClientCert({ cert: pki.caCert, key: pki.caKey }, KUBELET_CLIENT_IDENTITY);
    assert.deepEqual(await whoami(who.port, { ca: pki.caCert, ...kc }), {
      name: 'kube-apiserver-kubelet-client',
      groups: ['system:masters', 'system:authenticated'],
    });
  });

  it("reads a connection's certificate once: its later calls are that identity without reading it again", async () => {
    const sched = await issueClientCert({ cert: pki.caCert, key: pki.caKey }, COMPONENT_IDENTITIES.scheduler!);
    const proto = TLSSocket.prototype;
    const original = proto.getPeerCertificate;
    let reads = 0;
    proto.getPeerCertificate = function (this: TLSSocket, ...a: [detailed?: boolean]) {
      reads++;
      return original.apply(this, a);
    } as typeof original;
    const c = new ApiClient(`localhost:${who.port}`, { credentials: { ca: pki.caCert, ...sched }, deadlineMs: 5_000 });
    try {
      const get = async () => ((await c.get('pods', 'default', 'x')) as unknown as { user: { name: string } }).user;
      assert.equal((await get()).name, 'system:kube-scheduler');
      const afterFirst = reads;
      assert.ok(afterFirst >= 1, 'the first call reads it');
      for (let i = 0; i < 5; i++) assert.equal((await get()).name, 'system:kube-scheduler');
      assert.equal(reads, afterFirst, 'five more calls on the connection: no more reads');
    } finally {
      c.close();
      proto.getPeerCertificate = original;
    }
  });

  it('the admin token is kubernetes-admin in system:masters; the bootstrap token system:bootstrap:<id>', async () => {
    assert.deepEqual(await whoami(who.port, { ca: pki.caCert, token: pki.token }), {
      name: 'kubernetes-admin',
      groups: ['system:masters', 'system:authenticated'],
    });
    assert.deepEqual(await whoami(who.port, { ca: pki.caCert, token: BOOTSTRAP }), {
      name: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:authenticated'],
    });
  });

  it('refuses a call without credentials, with a wrong token, or with a certificate of another CA: UNAUTHENTICATED', async () => {
    const none = await refusal(whoami(who.port, { ca: pki.caCert }));
    assert.equal(none.code, 'Unauthorized');
    assert.match(
      none.message,
      /only with a client certificate signed by the cluster CA or an "authorization: Bearer <token>"/,
    );
    const wrong = await refusal(whoami(who.port, { ca: pki.caCert, token: 'abcdef.0000000000000000' }));
    assert.equal(wrong.code, 'Unauthorized');
    assert.match(wrong.message, /bearer token is not valid/);
    const foreign = await issueClientCert({ cert: other.caCert, key: other.caKey }, { cn: 'system:kube-scheduler' });
    const f = await refusal(whoami(who.port, { ca: pki.caCert, ...foreign }));
    assert.equal(f.code, 'Unauthorized', `a certificate of another CA: ${f.message}`);
    // A foreign certificate does not make a valid token fail, nor the other way round.
    assert.equal((await whoami(who.port, { ca: pki.caCert, ...foreign, token: pki.token })).name, 'kubernetes-admin');
  });

  it('refuses plain gRPC and a client that does not trust the server (transport failure)', async () => {
    const plain = await refusal(whoami(who.port, { insecure: true }));
    assert.equal(plain.code, 'ServiceUnavailable', plain.message);
    const distrust = await refusal(whoami(who.port, { ca: other.caCert, token: pki.token }));
    assert.equal(distrust.code, 'ServiceUnavailable', distrust.message);
  });

  describe('the real Resources service', () => {
    const registry = new StoreRegistry(new MemoryStore());
    let server: grpc.Server;
    let port: number;
    before(async () => {
      await bootstrap(registry);
      ({ server, port } = await startGrpcServer({
        registry,
        port: 0,
        host: '127.0.0.1',
        log: pino({ level: 'silent' }),
        tls: { cert: pki.cert, key: pki.key, authn },
      }));
    });
    after(async () => {
      await stopGrpcServer(server, 200);
      await registry.close();
    });

    it('serves a component certificate as that identity (authorization sees it) and refuses a watch without credentials', async () => {
      const proxy = await issueClientCert({ cert: pki.caCert, key: pki.caKey }, COMPONENT_IDENTITIES['kube-proxy']!);
      const ok = new ApiClient(`127.0.0.1:${port}`, { credentials: { ca: pki.caCert, ...proxy } });
      const anon = new ApiClient(`127.0.0.1:${port}`, { credentials: { ca: pki.caCert } });
      try {
        assert.ok((await ok.list('services')).items.some((n) => n.metadata.name === 'kubernetes'));
        const denied = await refusal(ok.list('namespaces'));
        assert.equal(denied.code, 'Forbidden', denied.message);
        assert.match(denied.message, /User "system:kube-proxy" cannot list resource "namespaces"/);
        const ac = new AbortController();
        const w = await refusal(
          (async () => {
            for await (const _ of anon.watch('namespaces', {}, ac.signal)) break;
          })(),
        );
        assert.equal(w.code, 'Unauthorized', w.message);
        assert.equal(
          (await refusal(anon.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })))
            .code,
          'Unauthorized',
        );
      } finally {
        ok.close();
        anon.close();
      }
    });
  });
});
