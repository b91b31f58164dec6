/**
 * A real apiserver with its security on, for integration tests: the StoreRegistry on a throw-away
 * etcd, the REST facade over HTTPS with a fresh cluster CA, the admin token, bootstrap tokens and
 * client certificates, ServiceAccount tokens (TokenRequest); `identity()` makes a client certificate for any user and groups, `as()`
 * calls the API with it, `kubeconfig()` writes one for the real kubectl. Loopback only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { generatePki, type PkiMaterial } from '@kubelab/client/pki';
import { bootstrap } from '../../registry/bootstrap.js';
import { StoreRegistry } from '../../registry/registry.js';
import { EtcdStore } from '../../storage/etcd.js';
import { TestEtcd } from '../../storage/testing/etcd-server.js';
import { startRestServer } from '../../rest/server.js';
import { makeCsr, parseCsrPem, signCsr } from '../../certificates/signer.js';
import { bootstrapTokenAuthenticator } from '../bootstrap-token.js';
import { defaultEnforcement } from '../defaults.js';
import { RbacCache } from '../rbac/cache.js';
import { CsrController } from '../../certificates/controller.js';
import { generateKeyPairSync } from 'node:crypto';
import { systemClock } from '@kubelab/api';
import { serviceAccountTokens } from '../../serviceaccount/setup.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Identity {
  cert: string;
  key: string;
}

export interface Credentials {
  identity?: Identity;
  token?: string;
}

export interface Reply {
  status: number;
  json: Json;
  text: string;
}

export class SecureCluster {
  readonly etcd = new TestEtcd();
  readonly dir = mkdtempSync(join(tmpdir(), 'kubelab-secure-'));
  private readonly ac = new AbortController();
  store!: EtcdStore;
  registry!: StoreRegistry;
  rest!: Server;
  pki!: PkiMaterial;
  port = 0;
  private csrs: Promise<void> = Promise.resolve();
  private rbacRun: Promise<void> = Promise.resolve();
  rbac!: RbacCache;

  async start(): Promise<this> {
    await this.etcd.start();
    const log = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
    this.store = new EtcdStore({ endpoints: [this.etcd.endpoint] });
    this.registry = new StoreRegistry(this.store, { namespacePollMs: 50 });
    await bootstrap(this.registry);
    this.pki = await generatePki({ serviceCIDR: '10.96.0.0/12' });
    const sa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pair = {
      key: sa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      pub: sa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    };
    const tokens = serviceAccountTokens(
      this.registry,
      pair,
      'https://kubernetes.default.svc.cluster.local',
      systemClock,
      log,
    );
    this.rbac = new RbacCache(this.registry);
    this.rbacRun = this.rbac.run(this.ac.signal);
    const enforcement = defaultEnforcement(this.registry, this.rbac.source);
    this.rest = await startRestServer({
      registry: this.registry,
      port: 0,
      host: '127.0.0.1',
      log,
      signal: this.ac.signal,
      tls: { cert: this.pki.cert, key: this.pki.key, clientCA: this.pki.caCert },
      token: this.pki.token,
      bootstrapTokens: bootstrapTokenAuthenticator(this.registry, { log }),
      tokens: tokens.issuer,
      serviceAccountTokens: tokens.authenticate,
      enforcement,
    });
    this.port = (this.rest.address() as AddressInfo).port;
    this.csrs = new CsrController({
      registry: this.registry,
      authorizer: enforcement.authorizer,
      ca: { cert: this.pki.caCert, key: this.pki.caKey },
      log,
    }).run(this.ac.signal);
    return this;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.rest.once('close', () => resolve()));
    this.ac.abort();
    await closed;
    await this.csrs;
    await this.rbacRun;
    await this.registry.close();
    await this.store.close();
    await this.etcd.stop();
    this.etcd.cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A client certificate of the cluster CA for this user (CN) and groups (O). */
  async identity(
    name: string,
    groups: string[] = [],
    ca = { cert: this.pki.caCert, key: this.pki.caKey },
  ): Promise<Identity> {
    const { csr, key } = await makeCsr({ commonName: name, organizations: groups });
    const cert = await signCsr(ca, parseCsrPem(csr), {
      usages: ['digital signature', 'client auth'],
      maxSeconds: 3600,
    });
    return { cert, key };
  }

  /** One HTTPS call with these credentials (the admin token when none are given). */
  call(
    creds: Credentials | undefined,
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Reply> {
    const c = creds ?? { token: this.pki.token };
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          ca: this.pki.caCert,
          ...(c.identity ? { cert: c.identity.cert, key: c.identity.key } : {}),
          headers: {
            'Content-Type': contentType,
            Accept: 'application/json',
            ...(c.token ? { Authorization: `Bearer ${c.token}` } : {}),
          },
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: Json = {};
            try {
              json = JSON.parse(text) as Json;
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, json, text });
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  as(identity: Identity): (method: string, path: string, body?: unknown, contentType?: string) => Promise<Reply> {
    return (method, path, body, contentType) => this.call({ identity }, method, path, body, contentType);
  }

  /** A kubeconfig for the real kubectl with these credentials (file `name` in dir; runIn reads `kubeconfig`); returns its path. */
  kubeconfig(name: string, creds: Credentials): string {
    const user = creds.identity
      ? `{client-certificate-data: ${Buffer.from(creds.identity.cert).toString('base64')}, client-key-data: ${Buffer.from(creds.identity.key).toString('base64')}}`
      : `{token: ${creds.token ?? this.pki.token}}`;
    const text = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- cluster: {server: "https://127.0.0.1:${this.port}", certificate-authority-data: ${Buffer.from(this.pki.caCert).toString('base64')}}`,
      '  name: lab',
      'contexts:',
      '- context: {cluster: lab, user: u, namespace: default}',
      '  name: lab',
      'current-context: lab',
      'users:',
      `- name: u`,
      `  user: ${user}`,
      '',
    ].join('\n');
    const p = join(this.dir, name);
    writeFileSync(p, text);
    return p;
  }
}
