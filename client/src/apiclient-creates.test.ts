/**
 * ApiClient's creates against a real gRPC server on loopback: those of one turn go in one
 * CreateMany, a create alone is a Create, and an apiserver without CreateMany gets Creates.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { ApiError, resourcesService, SERVER_OPTIONS, type CreateManyRequest, type CreateRequest } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { ApiClient } from './apiclient.js';

type CreateCall = Pick<CreateRequest, 'target' | 'object'>;

/**
 * Answers each create with the object it was sent, or AlreadyExists for names starting "taken".
 * A pod waits (up to 1 s, as admission waits for a ServiceAccount) until a ServiceAccount named
 * as its `wait-for` label was created.
 */
async function answer(c: CreateCall, made: Set<string>): Promise<{ object: Buffer } | ApiError> {
  const obj = JSON.parse(c.object.toString('utf8')) as KubeObject;
  if (obj.metadata.name?.startsWith('taken'))
    return new ApiError('AlreadyExists', `${c.target.resource} "${obj.metadata.name}" already exists`);
  const waitFor = obj.metadata.labels?.['wait-for'];
  for (let i = 0; waitFor && !made.has(waitFor); i++) {
    if (i === 100) return new ApiError('Forbidden', `serviceaccount "${waitFor}" not found`);
    await new Promise((r) => setTimeout(r, 10));
  }
  made.add(obj.metadata.name ?? '');
  obj.metadata.namespace = c.target.namespace;
  return { object: Buffer.from(JSON.stringify(obj)) };
}

async function serve(withMany: boolean): Promise<{ calls: string[]; port: number; server: grpc.Server }> {
  const calls: string[] = [];
  const made = new Set<string>();
  const server = new grpc.Server(SERVER_OPTIONS);
  const names = (cs: CreateCall[]): string =>
    cs.map((c) => (JSON.parse(c.object.toString('utf8')) as KubeObject).metadata.name).join(',');
  const handlers: grpc.UntypedServiceImplementation = {
    Create: (call: grpc.ServerUnaryCall<CreateCall, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      calls.push(`Create ${names([call.request])}`);
      void answer(call.request, made).then((r) =>
        r instanceof ApiError ? cb(r.toGrpc() as grpc.ServiceError) : cb(null, r),
      );
    },
  };
  if (withMany)
    handlers['CreateMany'] = (
      call: grpc.ServerUnaryCall<CreateManyRequest, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      const creates = call.request.creates;
      calls.push(`CreateMany ${names(creates)}`);
      void Promise.all(creates.map((c) => answer(c, made))).then((rs) =>
        cb(null, {
          results: rs.map((r) =>
            r instanceof ApiError ? { object: Buffer.alloc(0), ...r.toParts() } : { ...r, reason: '' },
          ),
        }),
      );
    };
  server.addService(resourcesService().service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { calls, port, server };
}

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });

describe('ApiClient creates', () => {
  const closers: (() => void)[] = [];
  after(() => {
    for (const close of closers) close();
  });
  const connect = async (withMany: boolean): Promise<{ calls: string[]; client: ApiClient }> => {
    const { calls, port, server } = await serve(withMany);
    const client = new ApiClient(`127.0.0.1:${port}`, { deadlineMs: 3_000, credentials: { insecure: true } });
    closers.push(
      () => client.close(),
      () => server.forceShutdown(),
    );
    return { calls, client };
  };

  it('creates of one turn, resource and namespace go in one CreateMany, each answered on its own; one alone is a Create', async () => {
    const { calls, client } = await connect(true);
    const [a, taken, c, d] = await Promise.allSettled([
      client.create('configmaps', cm('a'), 'ns1'),
      client.create('configmaps', cm('taken-b'), 'ns1'),
      client.create('configmaps', cm('c'), 'ns2'),
      client.create('configmaps', cm('d'), 'ns2'),
    ]);
    assert.deepEqual(calls, ['CreateMany a,taken-b', 'CreateMany c,d']);
    assert.equal(a?.status === 'fulfilled' && a.value.metadata.namespace, 'ns1', 'each keeps its namespace');
    assert.equal(c?.status === 'fulfilled' && d?.status === 'fulfilled' && c.value.metadata.namespace, 'ns2');
    const refused = taken?.status === 'rejected' ? taken.reason : undefined;
    assert.ok(refused instanceof ApiError && refused.reason === 'AlreadyExists', String(refused));
    assert.equal(refused.message, 'configmaps "taken-b" already exists');
    await assert.rejects(
      client.create('configmaps', cm('taken-alone')),
      (e) => e instanceof ApiError && e.reason === 'AlreadyExists',
    );
    assert.equal((await client.create('configmaps', cm('e'), 'ns1')).metadata.name, 'e');
    assert.deepEqual(calls.slice(2), ['Create taken-alone', 'Create e']);
  });

  it('a create that waits in admission never holds back one of another resource (what it may wait for)', async () => {
    const { calls, client } = await connect(true);
    const sa = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
    // As a controller with one worker: the first ServiceAccount, then (once it is made) the one
    // the pod of the same turn waits for.
    const accounts = client
      .create('serviceaccounts', sa('first'))
      .then(() => client.create('serviceaccounts', sa('second')));
    const pods = Promise.all(
      ['p1', 'p2'].map((n) =>
        client.create('pods', { ...cm(n), kind: 'Pod', metadata: { name: n, labels: { 'wait-for': 'second' } } }),
      ),
    );
    await accounts;
    assert.deepEqual(
      (await pods).map((p) => p.metadata.name),
      ['p1', 'p2'],
      'the pods were admitted',
    );
    assert.deepEqual(calls, ['Create first', 'CreateMany p1,p2', 'Create second']);
  });

  it('an apiserver without CreateMany gets one Create each', async () => {
    const { calls, client } = await connect(false);
    await Promise.all([client.create('configmaps', cm('a')), client.create('configmaps', cm('b'))]);
    await Promise.all([client.create('configmaps', cm('c')), client.create('configmaps', cm('d'))]);
    assert.deepEqual(calls, ['Create a', 'Create b', 'Create c', 'Create d']);
  });
});
