/**
 * Integration test: the REST server over TLS speaks HTTP/2 to clients that ask for it by ALPN (as
 * kubectl and client-go do) and HTTP/1.1 to the others: requests, a watch and a create multiplexed
 * on one HTTP/2 connection, a cancelled watch stream that leaves the connection usable, client
 * certificates and tokens over HTTP/2, unauthenticated clients sent away after their answer
 * (GOAWAY) and 100 streams per connection (kube-apiserver's rapid-reset defences), and the real
 * kubectl's requests seen by the server as HTTP/2 while its exec upgrade still works (HTTP/1.1). Everything on 127.0.0.1.
 * Run with `node --test apiserver/dist/rest/http2.itest.js`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { generatePki, type PkiMaterial } from '@kubelab/client/pki';
import { issueClientCert } from '@kubelab/client/pki-certs';
import { startRestServer } from './server.js';
import { localStreamBackends } from './streams/fake-backends.js';
import { MemoryRegistry } from './testing/memory-registry.js';
import { findKubectl, httpsKubeconfig, runIn, seed } from './testing/harness.js';

const KUBECTL = findKubectl('kubectl');

interface Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

/** One request on an HTTP/2 session; the whole answer. */
function request(s: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = s.request(headers);
    let status = 0;
    let got: http2.IncomingHttpHeaders = {};
    let text = '';
    req.setEncoding('utf8');
    req.on('response', (h) => {
      got = h;
      status = Number(h[':status']);
    });
    req.on('data', (c: string) => (text += c));
    req.on('end', () => resolve({ status, headers: got, body: text }));
    req.on('error', reject);
    req.end(body);
  });
}

function alpn(port: number, ca: string, protocols: string[]): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: protocols }, () => {
      resolve(s.alpnProtocol ?? false);
      s.destroy();
    });
    s.on('error', reject);
  });
}

describe('REST over HTTP/2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-h2-'));
  const ac = new AbortController();
  const logged: { http?: string; agent?: string; url?: string }[] = [];
  let pki: PkiMaterial;
  let port = 0;
  let session: http2.ClientHttp2Session;
  const auth = (): { authorization: string } => ({ authorization: `Bearer ${pki.token}` });

  before(async () => {
    pki = await generatePki({ serviceCIDR: '10.244.128.0/17' });
    const registry = new MemoryRegistry();
    await seed(registry);
    // The server's debug request log says which HTTP version each request came over.
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line.includes('"msg":"request"')) logged.push(JSON.parse(line));
        done();
      },
    });
    const server = await startRestServer({
      registry,
      port: 0,
      host: '127.0.0.1',
      log: pino({ level: 'debug' }, sink),
      signal: ac.signal,
      streams: localStreamBackends(new Map()),
      tls: { cert: pki.cert, key: pki.key, clientCA: pki.caCert },
      token: pki.token,
    });
    port = (server.address() as AddressInfo).port;
    session = http2.connect(`https://127.0.0.1:${port}`, { ca: pki.caCert, servername: 'localhost' });
  });

  after(() => {
    session?.close();
    ac.abort();
    rmSync(dir, { recursive: true, force: true });
  });

  test('ALPN: h2 for clients that offer it, HTTP/1.1 for the others', async () => {
    assert.equal(await alpn(port, pki.caCert, ['h2', 'http/1.1']), 'h2');
    assert.equal(await alpn(port, pki.caCert, ['http/1.1']), 'http/1.1');
  });

  test('a watch, a create and a get on one connection; the watch sees the create', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const list = await request(session, { ':path': path, ...auth() });
    assert.equal(list.status, 200, list.body);
    const rv = JSON.parse(list.body).metadata.resourceVersion as string;
    const watch = session.request({ ':path': `${path}?watch=true&resourceVersion=${rv}`, ...auth() });
    const headers = await new Promise<http2.IncomingHttpHeaders>((r) => watch.once('response', r));
    assert.equal(headers[':status'], 200);
    assert.equal(headers['transfer-encoding'], undefined, 'HTTP/2 carries no Transfer-Encoding');
    watch.setEncoding('utf8');
    let lines = '';
    const seen = new Promise<void>((resolve) =>
      watch.on('data', (c: string) => {
        lines += c;
        if (lines.includes('"name":"over-h2"')) resolve();
      }),
    );
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'over-h2' }, data: { a: 'b' } };
    const created = await request(
      session,
      { ':method': 'POST', ':path': path, 'content-type': 'application/json', ...auth() },
      JSON.stringify(cm),
    );
    assert.equal(created.status, 201, created.body);
    await seen;
    const first = JSON.parse(lines.split('\n')[0]!);
    assert.equal(first.type, 'ADDED');
    assert.equal(first.object.metadata.name, 'over-h2');
    // The client goes away from the watch: the stream is reset, the connection serves on.
    watch.close(http2.constants.NGHTTP2_CANCEL);
    const got = await request(session, { ':path': `${path}/over-h2`, ...auth() });
    assert.equal(got.status, 200, got.body);
    assert.equal(JSON.parse(got.body).data.a, 'b');
  });

  test('a client that is not authenticated gets its answer, then the connection ends (GOAWAY)', async () => {
    for (const [path, want] of [
      ['/api/v1/namespaces', 401],
      ['/healthz', 200],
    ] as const) {
      const s = http2.connect(`https://127.0.0.1:${port}`, { ca: pki.caCert, servername: 'localhost' });
      const goaway = new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${path}: no GOAWAY within 5 s`)), 5_000);
        s.once('goaway', () => (clearTimeout(t), resolve()));
      });
      try {
        const a = await request(s, { ':path': path });
        assert.equal(a.status, want, `${path}: ${a.body}`);
        if (want === 401) assert.equal(JSON.parse(a.body).reason, 'Unauthorized');
        await goaway;
        await assert.rejects(request(s, { ':path': path }), `${path}: no stream after the GOAWAY`);
      } finally {
        s.destroy();
      }
    }
    // An authenticated connection stays: the shared one still serves.
    assert.equal((await request(session, { ':path': '/api/v1/namespaces', ...auth() })).status, 200);
  });

  test('at most 100 streams per connection, as kube-apiserver', () => {
    assert.equal(session.remoteSettings.maxConcurrentStreams, 100);
  });

  test('a client certificate of the cluster CA authenticates', async () => {
    const cert = await issueClientCert({ cert: pki.caCert, key: pki.caKey }, { cn: 'jane', o: ['system:masters'] });
    const s = http2.connect(`https://127.0.0.1:${port}`, {
      ca: pki.caCert,
      servername: 'localhost',
      cert: cert.cert,
      key: cert.key,
    });
    try {
      const review = await request(
        s,
        {
          ':method': 'POST',
          ':path': '/apis/authentication.k8s.io/v1/selfsubjectreviews',
          'content-type': 'application/json',
        },
        JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
      );
      assert.equal(review.status, 201, review.body);
      const user = JSON.parse(review.body).status.userInfo;
      assert.equal(user.username, 'jane');
      assert.ok(user.groups.includes('system:masters'), JSON.stringify(user));
    } finally {
      s.close();
    }
  });

  test('kubectl speaks HTTP/2; its exec upgrade still works', {
    skip: KUBECTL ? false : 'kubectl not found',
  }, async () => {
    writeFileSync(join(dir, 'kubeconfig'), httpsKubeconfig(port, pki.caCert, pki.token));
    const kubectl = (args: string[]) => runIn(dir, KUBECTL!, args);
    logged.length = 0;
    const get = await kubectl(['get', 'pods', '-o', 'name']);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /pod\/running/);
    const fromKubectl = logged.filter((l) => l.agent?.startsWith('kubectl') && l.url?.includes('/pods'));
    assert.ok(fromKubectl.length > 0, `kubectl's requests logged: ${JSON.stringify(logged)}`);
    for (const l of fromKubectl) assert.equal(l.http, '2.0', `${l.url} over HTTP/${l.http}`);
    const exec = await kubectl(['exec', 'running', '--', 'echo', 'hi']);
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout.trim(), 'hi');
  });
});
