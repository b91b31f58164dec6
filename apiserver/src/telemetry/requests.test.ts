import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { ApiClient } from '@kubelab/client';
import { startGrpcServer, stopGrpcServer } from '../grpc/server.js';
import { startRestServer } from '../rest/server.js';
import { MemoryRegistry } from '../rest/testing/memory-registry.js';
import { ApiMetrics } from './requests.js';

const log = pino({ level: 'silent' });

/** The value of one sample line of the exposition ("name{labels} value"), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const have = line.slice(name.length + 1, close).split(',');
    if (want.every((w) => have.includes(w))) return Number(line.slice(close + 2));
  }
  return undefined;
}

describe('apiserver /metrics: request counts and latencies', () => {
  const ac = new AbortController();
  const metrics = new ApiMetrics();
  const registry = new MemoryRegistry();
  let rest: Server;
  let grpcServer: grpc.Server;
  let client: ApiClient;
  let base: string;

  before(async () => {
    await registry.create('namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    rest = await startRestServer({ registry, port: 0, host: '127.0.0.1', log, signal: ac.signal, metrics });
    base = `http://127.0.0.1:${(rest.address() as AddressInfo).port}`;
    const started = await startGrpcServer({ registry, port: 0, host: '127.0.0.1', log, metrics });
    grpcServer = started.server;
    client = new ApiClient(`127.0.0.1:${started.port}`, { credentials: { insecure: true } });
  });

  after(async () => {
    client.close();
    await stopGrpcServer(grpcServer, 100);
    ac.abort();
    rest.close();
  });

  it('counts REST requests by upstream verb, resource, scope and code, and times them', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } };
    const post = (): Promise<Response> =>
      fetch(`${base}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(cm),
      });
    assert.equal((await post()).status, 201);
    assert.equal((await post()).status, 409);
    assert.equal((await fetch(`${base}/api/v1/namespaces/default/configmaps/a`)).status, 200);
    assert.equal((await fetch(`${base}/api/v1/configmaps`)).status, 200);
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const cms = { group: '', version: 'v1', resource: 'configmaps', component: 'apiserver' };
    assert.equal(sample(text, 'apiserver_request_total', { ...cms, verb: 'POST', scope: 'namespace', code: '201' }), 1);
    assert.equal(sample(text, 'apiserver_request_total', { ...cms, verb: 'POST', scope: 'namespace', code: '409' }), 1);
    assert.equal(sample(text, 'apiserver_request_total', { ...cms, verb: 'GET', scope: 'resource', code: '200' }), 1);
    assert.equal(sample(text, 'apiserver_request_total', { ...cms, verb: 'LIST', scope: 'cluster', code: '200' }), 1);
    assert.equal(
      sample(text, 'apiserver_request_duration_seconds_count', { ...cms, verb: 'POST', scope: 'namespace' }),
      2,
    );
    assert.match(text, /^process_resident_memory_bytes [1-9]\d*$/m, "and the process' own");
  });

  it('counts the components’ gRPC calls by method, resource and status', async () => {
    await client.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'g', namespace: 'default' },
    });
    await assert.rejects(client.get('configmaps', 'default', 'missing'));
    await client.list('configmaps', { namespace: 'default' });
    const text = await metrics.text();
    const g = { component: 'grpc', resource: 'configmaps' };
    assert.equal(sample(text, 'apiserver_request_total', { ...g, verb: 'Create', code: 'OK' }), 1);
    assert.equal(sample(text, 'apiserver_request_total', { ...g, verb: 'Get', code: 'NOT_FOUND' }), 1);
    assert.equal(sample(text, 'apiserver_request_total', { ...g, verb: 'List', code: 'OK' }), 1);
  });
});
