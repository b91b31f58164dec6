/** The real prober against servers on 127.0.0.1 (httpGet, tcpSocket, grpc) and a fake runtime (exec). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { systemClock } from '@kubelab/api';
import { FakeRuntime } from '../runtime/fake.js';
import { RealProber } from './prober.js';

const app = { name: 'app', image: 'img:1', ports: [{ name: 'web', containerPort: 0 }] };

describe('RealProber', { timeout: 30_000 }, () => {
  let server: http.Server;
  let port = 0;
  let seenHeaders: http.IncomingHttpHeaders = {};
  let grpcServer: grpc.Server;
  let grpcPort = 0;
  const runtime = new FakeRuntime({ cluster: 'c', node: 'n', network: 'net', clock: systemClock });
  const prober = new RealProber(runtime);

  before(async () => {
    server = http.createServer((req, res) => {
      seenHeaders = req.headers;
      if (req.url === '/ok') res.writeHead(200).end('fine');
      else if (req.url === '/redirect') res.writeHead(302, { Location: '/ok' }).end();
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 2_000);
      else res.writeHead(503).end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
    app.ports[0]!.containerPort = port;
    grpcServer = new grpc.Server();
    grpcServer.addService(
      {
        Check: {
          path: '/grpc.health.v1.Health/Check',
          requestStream: false,
          responseStream: false,
          requestSerialize: (v: Buffer) => v,
          requestDeserialize: (b: Buffer) => ({ service: b.subarray(2).toString('utf8') }),
          responseSerialize: (v: number) => Buffer.from([0x08, v]),
          responseDeserialize: (b: Buffer) => b[1] ?? 0,
        },
      },
      {
        Check: (call: grpc.ServerUnaryCall<{ service: string }, number>, cb: grpc.sendUnaryData<number>) =>
          cb(null, call.request.service === 'down' ? 2 : 1),
      },
    );
    grpcPort = await new Promise<number>((r, j) =>
      grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? j(e) : r(p))),
    );
  });

  after(() => {
    server.close();
    grpcServer.forceShutdown();
  });

  const target = () => ({ podIP: '127.0.0.1', containerId: 'x', container: app });

  it('httpGet: 2xx/3xx pass, others fail with the status; headers and named ports; timeouts', async () => {
    assert.deepEqual(
      await prober.run(
        { httpGet: { path: '/ok', port: 'web', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } },
        target(),
        1000,
      ),
      { ok: true, output: 'fine' },
    );
    assert.equal(seenHeaders['x-probe'], 'yes');
    assert.match(String(seenHeaders['user-agent']), /^kube-probe\//);
    assert.equal((await prober.run({ httpGet: { path: '/redirect', port } }, target(), 1000)).ok, true);
    assert.deepEqual(await prober.run({ httpGet: { path: '/bad', port } }, target(), 1000), {
      ok: false,
      output: 'HTTP probe failed with statuscode: 503',
    });
    const slow = await prober.run({ httpGet: { path: '/slow', port } }, target(), 200);
    assert.equal(slow.ok, false);
    assert.match(slow.output, /Client\.Timeout exceeded/);
  });

  it('tcpSocket and refused connections', async () => {
    assert.equal((await prober.run({ tcpSocket: { port } }, target(), 1000)).ok, true);
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const dead = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    assert.deepEqual(await prober.run({ tcpSocket: { port: dead } }, target(), 1000), {
      ok: false,
      output: `dial tcp 127.0.0.1:${dead}: connect: connection refused`,
    });
    const h = await prober.run({ httpGet: { port: dead } }, target(), 1000);
    assert.equal(h.output, `Get "http://127.0.0.1:${dead}/": dial tcp 127.0.0.1:${dead}: connect: connection refused`);
  });

  it('grpc health', async () => {
    assert.deepEqual(await prober.run({ grpc: { port: grpcPort } }, target(), 2000), { ok: true, output: '' });
    const down = await prober.run({ grpc: { port: grpcPort, service: 'down' } }, target(), 2000);
    assert.deepEqual(down, { ok: false, output: 'service unhealthy (responded with "NOT_SERVING")' });
  });

  it('exec: exit 0 passes, other codes fail with the output', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', uid: 'u' },
      spec: { containers: [app] },
    };
    runtime.images.add('img:1');
    const sb = await runtime.createPause(pod);
    const id = await runtime.createContainer(pod, app, sb.id, 0);
    await runtime.start(id);
    runtime.execHandler = (_c, cmd) =>
      cmd[0] === 'true' ? { exitCode: 0, output: '' } : { exitCode: 1, output: 'nope\n' };
    assert.deepEqual(await prober.run({ exec: { command: ['true'] } }, { ...target(), containerId: id }, 1000), {
      ok: true,
      output: '',
    });
    assert.deepEqual(await prober.run({ exec: { command: ['false'] } }, { ...target(), containerId: id }, 1000), {
      ok: false,
      output: 'nope',
    });
  });
});
