/**
 * ApiClient's creates against a real gRPC server on loopback: those of one turn go in one
 * CreateMany, a create alone is a Create, and an apiserver without CreateMany gets Creates.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { ApiError, resourcesService, SERVER_OPTIONS, type CreateManyRequest } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { ApiClient } from './apiclient.js';

interface CreateCall {
  target: { resource: string; namespace: string };
  object: Buffer;
}

/** Answers each create with the object it was sent, or AlreadyExists for names starting "taken". */
function answer(c: CreateCall): { object: Buffer } | ApiError {
  const obj = JSON.parse(c.object.toString('utf8')) as KubeObject;
  if (obj.metadata.name?.startsWith('taken'))
    return new ApiError('AlreadyExists', `${c.target.resource} "${obj.metadata.name}" already exists`);
  obj.metadata.namespace = c.target.namespace;
  return { object: Buffer.from(JSON.stringify(obj)) };
}

async function serve(withMany: boolean): Promise<{ calls: string[]; port: number; server: grpc.Server }> {
  const calls: string[] = [];
  const server = new grpc.Server(SERVER_OPTIONS);
  const names = (cs: CreateCall[]): string =>
    cs.map((c) => (JSON.parse(c.object.toString('utf8')) as KubeObject).metadata.name).join(',');
  const handlers: grpc.UntypedServiceImplementation = {
    Create: (call: grpc.ServerUnaryCall<CreateCall, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      calls.push(`Create ${names([call.request])}`);
      const r = answer(call.request);
      if (r instanceof ApiError) cb(r.toGrpc() as grpc.ServiceError);
      else cb(null, r);
    },
  };
  if (withMany)
    handlers['CreateMany'] = (
      call: grpc.ServerUnaryCall<CreateManyRequest, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      const creates = call.request.creates as unknown as CreateCall[];
      calls.push(`CreateMany ${names(creates)}`);
      cb(null, {
        results: creates.map((c) => {
          const r = answer(c);
          return r instanceof ApiError ? { object: Buffer.alloc(0), ...r.toParts() } : { ...r, reason: '' };
        }),
      });
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

  it('creates of one turn go in one CreateMany, each answered on its own; one alone is a Create', async () => {
    const { calls, client } = await connect(true);
    const [a, taken, c] = await Promise.allSettled([
      client.create('configmaps', cm('a'), 'ns1'),
      client.create('configmaps', cm('taken-b'), 'ns1'),
      client.create('configmaps', cm('c'), 'ns2'),
    ]);
    assert.deepEqual(calls, ['CreateMany a,taken-b,c']);
    assert.equal(a?.status === 'fulfilled' && a.value.metadata.namespace, 'ns1', 'each keeps its namespace');
    assert.equal(c?.status === 'fulfilled' && c.value.metadata.namespace, 'ns2');
    const refused = taken?.status === 'rejected' ? taken.reason : undefined;
    assert.ok(refused instanceof ApiError && refused.reason === 'AlreadyExists', String(refused));
    assert.equal(refused.message, 'configmaps "taken-b" already exists');
    await assert.rejects(
      client.create('configmaps', cm('taken-alone')),
      (e) => e instanceof ApiError && e.reason === 'AlreadyExists',
    );
    assert.equal((await client.create('configmaps', cm('d'), 'ns1')).metadata.name, 'd');
    assert.deepEqual(calls.slice(1), ['Create taken-alone', 'Create d']);
  });

  it('an apiserver without CreateMany gets one Create each', async () => {
    const { calls, client } = await connect(false);
    await Promise.all([client.create('configmaps', cm('a')), client.create('configmaps', cm('b'))]);
    await Promise.all([client.create('configmaps', cm('c')), client.create('configmaps', cm('d'))]);
    assert.deepEqual(calls, ['Create a', 'Create b', 'Create c', 'Create d']);
  });
});
