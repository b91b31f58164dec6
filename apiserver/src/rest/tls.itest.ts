/**
 * Integration test: the REST server over HTTPS with a generated cluster CA and an admin bearer
 * token, against the real kubectl (1.27, the default, 1.33) and curl: listing works with the
 * token, a wrong token gives upstream's "You must be logged in" error, anonymous requests get a
 * 401 Status (except /healthz, /version), and exec/port-forward upgrades work over TLS.
 * Everything on 127.0.0.1. Run with `node --test apiserver/dist/rest/tls.itest.js`.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { generatePki, type PkiMaterial } from '@kubelab/client/pki';
import { startRestServer } from './server.js';
import { localStreamBackends } from './streams/fake-backends.js';
import { MemoryRegistry } from './testing/memory-registry.js';
import { findKubectl, httpsKubeconfig, seed, type RunResult } from './testing/harness.js';

const VERSIONS = [
  { label: '1.27', bin: findKubectl('kubectl.1.27') },
  { label: 'default', bin: findKubectl('kubectl') },
  { label: '1.33', bin: findKubectl('kubectl.1.33') },
];
const CURL = findKubectl('curl');

function run(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(bin, args, { env, cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === 'number'
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('REST over HTTPS with a bearer token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-tls-'));
  const ac = new AbortController();
  let pki: PkiMaterial;
  let port = 0;
  let target: http.Server;
  const env = (file: string): NodeJS.ProcessEnv => ({
    ...process.env,
    HOME: dir,
    KUBECONFIG: join(dir, file),
    KUBECACHEDIR: join(dir, `cache-${file}`),
  });

  before(async () => {
    pki = await generatePki({ serviceCIDR: '10.244.128.0/17' });
    target = http.createServer((req, res) => res.end(`hello over the tunnel ${req.url}`));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const registry = new MemoryRegistry();
    await seed(registry);
    const server = await startRestServer({
      registry,
      port: 0,
      host: '127.0.0.1',
      log: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
      signal: ac.signal,
      streams: localStreamBackends(new Map([[80, (target.address() as AddressInfo).port]])),
      tls: { cert: pki.cert, key: pki.key },
      token: pki.token,
    });
    port = (server.address() as AddressInfo).port;
    writeFileSync(join(dir, 'good'), httpsKubeconfig(port, pki.caCert, pki.token));
    writeFileSync(join(dir, 'bad'), httpsKubeconfig(port, pki.caCert, 'f'.repeat(64)));
    writeFileSync(join(dir, 'ca.crt'), pki.caCert);
  });

  after(() => {
    ac.abort();
    target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('curl', { skip: CURL ? false : 'curl not found' }, () => {
    const curl = (args: string[]): Promise<RunResult> =>
      run(CURL!, ['-sS', '--cacert', join(dir, 'ca.crt'), '-w', '\n%{http_code}', ...args], process.env, dir);

    test('no token: 401 Status', async () => {
      const r = await curl([`https://127.0.0.1:${port}/api/v1/namespaces`]);
      const [body, code] = r.stdout.split('\n');
      assert.equal(code, '401');
      assert.deepEqual(JSON.parse(body!), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
    });

    test('wrong token: 401; the right one: 200', async () => {
      assert.match(
        (await curl(['-H', 'Authorization: Bearer nope', `https://127.0.0.1:${port}/api`])).stdout,
        /\n401$/,
      );
      assert.match(
        (await curl(['-H', `Authorization: Bearer ${pki.token}`, `https://127.0.0.1:${port}/api`])).stdout,
        /"kind":"APIVersions"[\s\S]*\n200$/,
      );
    });

    test('health and version are public', async () => {
      assert.equal((await curl([`https://127.0.0.1:${port}/healthz`])).stdout, 'ok\n200');
      assert.match((await curl([`https://127.0.0.1:${port}/readyz`])).stdout, /\n200$/);
      assert.match((await curl([`https://127.0.0.1:${port}/version`])).stdout, /"gitVersion"[\s\S]*\n200$/);
    });

    test('the certificate verifies for 127.0.0.1 and localhost; plain HTTP is refused', async () => {
      assert.match((await curl([`https://localhost:${port}/healthz`])).stdout, /\n200$/);
      const plain = await curl([`http://127.0.0.1:${port}/healthz`]);
      assert.doesNotMatch(plain.stdout, /\n200$/);
    });
  });

  for (const { label, bin } of VERSIONS) {
    describe(`kubectl ${label}`, { skip: bin ? false : 'kubectl binary not found' }, () => {
      const k = bin!;

      test('get ns with the CA and token', async () => {
        const r = await run(k, ['get', 'ns'], env('good'), dir);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^NAME\s+STATUS\s+AGE\n/);
        assert.match(r.stdout, /\nkube-system\s/);
      });

      test('a wrong token: You must be logged in', async () => {
        const raw = await run(k, ['get', '--raw', '/api/v1/namespaces'], env('bad'), dir);
        assert.notEqual(raw.code, 0);
        assert.match(raw.stderr, /^error: You must be logged in to the server \(Unauthorized\)$/m);
        // Through discovery, client-go words the same 401 generically (as against upstream).
        const r = await run(k, ['get', 'ns'], env('bad'), dir);
        assert.notEqual(r.code, 0);
        assert.match(
          r.stderr,
          /^error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)$/m,
        );
      });

      test('cluster-info names the https endpoint', async () => {
        const r = await run(k, ['cluster-info'], env('good'), dir);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          r.stdout.replace(/\x1b\[[0-9;]*m/g, ''),
          new RegExp(`Kubernetes control plane is running at https://127\\.0\\.0\\.1:${port}`),
        );
      });

      test('exec upgrades over TLS', async () => {
        const r = await run(k, ['exec', 'running', '--', 'echo', 'over tls'], env('good'), dir);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'over tls\n');
      });

      test('exec with a wrong token is refused', async () => {
        const r = await run(k, ['exec', 'running', '--', 'echo', 'x'], env('bad'), dir);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /You must be logged in to the server/);
      });

      test('port-forward tunnels over TLS', async () => {
        const local = await freePort();
        const child = spawn(k, ['port-forward', 'pod/running', `${local}:80`], { env: env('good'), cwd: dir });
        try {
          let out = '';
          let err = '';
          child.stderr.on('data', (c: Buffer) => (err += c.toString()));
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`port-forward did not start: ${out} ${err}`)), 20_000);
            child.stdout.on('data', (c: Buffer) => {
              out += c.toString();
              if (out.includes('Forwarding from')) {
                clearTimeout(timer);
                resolve();
              }
            });
            child.once('exit', (code) => reject(new Error(`port-forward exited ${code}: ${err}`)));
          });
          const body = await new Promise<string>((resolve, reject) => {
            http
              .get({ host: '127.0.0.1', port: local, path: '/x', agent: false, timeout: 15_000 }, (res) => {
                let t = '';
                res.on('data', (c: Buffer) => (t += c.toString()));
                res.on('end', () => resolve(t));
              })
              .on('error', reject);
          });
          assert.equal(body, 'hello over the tunnel /x');
        } finally {
          child.kill('SIGTERM');
        }
      });
    });
  }
});
