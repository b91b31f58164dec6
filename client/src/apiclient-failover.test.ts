/**
 * ApiClient failover against real gRPC servers on loopback that stand in for two apiservers:
 * reads move to the live one without an error, writes are never sent twice, watches end and are
 * opened again on the live one, and errors the apiserver itself returns never trigger a switch.
 */
import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { ApiError, resourcesService, SERVER_OPTIONS } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { ApiClient } from './apiclient.js';
import { ApiEndpoints, isTransportFailure, neverSent, parseTargets } from './endpoints.js';

const obj = (name: string): Buffer =>
  Buffer.from(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default', resourceVersion: '1' },
    }),
  );

class FakeApiserver {
  readonly server = new grpc.Server(SERVER_OPTIONS);
  port = 0;
  creates = 0;
  /** Create never answers (the server dies with the call in flight). */
  hangCreates = false;
  /** Get answers as the apiserver does when etcd is away. */
  etcdDown = false;

  constructor(readonly name: string) {
    const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<unknown>): void =>
      cb({ code: grpc.status.UNIMPLEMENTED, details: 'not in the fake' });
    this.server.addService(resourcesService().service, {
      Get: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        if (!this.etcdDown) return cb(null, { object: obj(this.name) });
        const e = new ApiError('ServiceUnavailable', 'etcd is unavailable').toGrpc();
        cb(e as grpc.ServiceError);
      },
      List: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { items: [obj(this.name)], resourceVersion: '1', continue: '' }),
      Create: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => {
        this.creates++;
        if (!this.hangCreates) cb(null, { object: obj(this.name) });
      },
      Watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        call.write({ events: [{ type: 'ADDED', object: obj(this.name) }] });
      },
      Update: unimplemented,
      UpdateStatus: unimplemented,
      Patch: unimplemented,
      Delete: unimplemented,
      Bind: unimplemented,
    });
  }

  async start(): Promise<this> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    return this;
  }

  kill(): void {
    this.server.forceShutdown();
  }
}

const answeredBy = async (c: ApiClient): Promise<string> =>
  (await c.get<KubeObject>('configmaps', 'default', 'x')).metadata.name ?? '';

describe('ApiClient failover between apiservers', () => {
  let one: FakeApiserver;
  let two: FakeApiserver;
  const clients: ApiClient[] = [];
  const servers: FakeApiserver[] = [];
  const client = (address: string): ApiClient => {
    const c = new ApiClient(address, { deadlineMs: 3_000, credentials: { insecure: true } });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    one = await new FakeApiserver('one').start();
    two = await new FakeApiserver('two').start();
    servers.push(one, two);
  });
  after(() => {
    for (const c of clients) c.close();
    for (const s of servers) s.kill();
  });

  it('several targets: a read moves to the live apiserver without an error', async () => {
    const c = client(`127.0.0.1:${one.port}, 127.0.0.1:${two.port}`);
    assert.equal(await answeredBy(c), 'one');
    one.kill();
    assert.equal(await answeredBy(c), 'two');
    assert.equal(c.currentTarget(), `127.0.0.1:${two.port}`);
    assert.equal((await c.list('configmaps')).items[0]?.metadata.name, 'two');
    two.kill();
  });

  it('a write that never left is sent to the live apiserver; one in flight when its apiserver died is not repeated', async () => {
    const c = client(`127.0.0.1:${one.port},127.0.0.1:${two.port}`);
    await answeredBy(c);
    one.hangCreates = true;
    const inFlight = c.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'default' },
    });
    while (one.creates === 0) await new Promise((r) => setTimeout(r, 5));
    one.kill();
    await assert.rejects(inFlight, (e: ApiError) => e.reason === 'ServiceUnavailable');
    assert.equal(two.creates, 0, 'the create that may have happened is not made again elsewhere');
    await c.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'b', namespace: 'default' },
    });
    assert.equal(two.creates, 1);
    two.kill();
  });

  it('a watch ends when its apiserver dies, and the next one opens on the live apiserver', async () => {
    const c = client(`127.0.0.1:${one.port},127.0.0.1:${two.port}`);
    const ac = new AbortController();
    const it1 = c.watch<KubeObject>('configmaps', {}, ac.signal);
    assert.equal((await it1.next()).value?.object.metadata.name, 'one');
    one.kill();
    await assert.rejects(it1.next(), (e: ApiError) => e.reason === 'ServiceUnavailable');
    const it2 = c.watch<KubeObject>('configmaps', {}, ac.signal);
    assert.equal((await it2.next()).value?.object.metadata.name, 'two');
    ac.abort();
    await it2.return(undefined);
    two.kill();
  });

  it('one target over several addresses (a shared DNS name): the channel itself fails over, reads see no error', async () => {
    const c = client(`ipv4:127.0.0.1:${one.port},127.0.0.1:${two.port}`);
    const first = await answeredBy(c);
    (first === 'one' ? one : two).kill();
    assert.equal(await answeredBy(c), first === 'one' ? 'two' : 'one');
    (first === 'one' ? two : one).kill();
  });

  it("an error the apiserver returns (etcd unavailable) is the caller's: no retry, no switch", async () => {
    const c = client(`127.0.0.1:${one.port},127.0.0.1:${two.port}`);
    one.etcdDown = true;
    await assert.rejects(
      answeredBy(c),
      (e: ApiError) => e.reason === 'ServiceUnavailable' && e.message === 'etcd is unavailable',
    );
    assert.equal(c.currentTarget(), `127.0.0.1:${one.port}`);
    one.kill();
    two.kill();
  });
});

describe('endpoints', () => {
  it('parses KUBELAB_APISERVER', () => {
    assert.deepEqual(parseTargets('apiserver:7000'), ['apiserver:7000']);
    assert.deepEqual(parseTargets(' a:1 , b:2 ,'), ['a:1', 'b:2']);
    assert.throws(
      () => parseTargets(' , '),
      /KUBELAB_APISERVER: Invalid value: " , ": must name at least one apiserver/,
    );
  });

  it('tells transport failures from errors the apiserver raised', () => {
    const md = new grpc.Metadata();
    md.set('k8s-reason', 'ServiceUnavailable');
    assert.equal(isTransportFailure({ code: grpc.status.UNAVAILABLE, details: 'Connection dropped' }), true);
    assert.equal(
      isTransportFailure({ code: grpc.status.UNAVAILABLE, details: 'etcd is unavailable', metadata: md }),
      false,
    );
    assert.equal(isTransportFailure({ code: grpc.status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }), false);
    assert.equal(
      neverSent({
        code: grpc.status.UNAVAILABLE,
        details: 'No connection established. Last error: connect ECONNREFUSED',
      }),
      true,
    );
    assert.equal(neverSent({ code: grpc.status.UNAVAILABLE, details: 'Connection dropped' }), false);
  });

  it('moves past targets whose channel is down, and only on a failure of the current one', () => {
    const states = [
      grpc.connectivityState.READY,
      grpc.connectivityState.TRANSIENT_FAILURE,
      grpc.connectivityState.IDLE,
    ];
    const fake = (i: number) =>
      ({
        getChannel: () => ({ getConnectivityState: () => states[i] }),
        close: () => undefined,
      }) as unknown as grpc.Client;
    let n = 0;
    const e = new ApiEndpoints('a:1,b:2,c:3', () => fake(n++));
    e.failed(2);
    assert.equal(e.target(), 'a:1', 'a failure of another target changes nothing');
    e.failed(0);
    assert.equal(e.target(), 'c:3', 'b is down: c');
    e.failed(2);
    assert.equal(e.target(), 'a:1');
  });
});
