/**
 * Integration test: resourceVersion / resourceVersionMatch / continue on LIST (and resourceVersion
 * on GET) through the REST facade over the StoreRegistry on a real etcd (/usr/bin/etcd on
 * 127.0.0.1, random ports, temporary dirs prefixed kubelab-), with fetch and the real kubectl
 * binaries (`kubectl get --raw`, `--chunk-size`). Loopback only. Run with
 *   node --test apiserver/dist/rest/listversion.itest.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { bootstrap } from '../registry/bootstrap.js';
import { StoreRegistry } from '../registry/registry.js';
import { pod } from '../registry/testing.js';
import { EtcdStore } from '../storage/etcd.js';
import { TestEtcd } from '../storage/testing/etcd-server.js';
import { startRestServer } from './server.js';
import { findKubectl, runIn, writeKubeconfig } from './testing/harness.js';

type Json = Record<string, any>;

const KUBECTLS = ['kubectl.1.27', 'kubectl', 'kubectl.1.33']
  .map((n) => [n, findKubectl(n)] as const)
  .filter((e): e is readonly [string, string] => e[1] !== undefined);

describe('LIST resourceVersion semantics over a real etcd', () => {
  const etcd = new TestEtcd();
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-rest-rv-'));
  const ac = new AbortController();
  let store: EtcdStore;
  let registry: StoreRegistry;
  let server: Server;
  let base = '';

  before(async () => {
    await etcd.start();
    store = new EtcdStore({ endpoints: [etcd.endpoint] });
    registry = new StoreRegistry(store, { namespacePollMs: 50 });
    await bootstrap(registry);
    server = await startRestServer({
      registry,
      port: 0,
      host: '127.0.0.1',
      log: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
      signal: ac.signal,
    });
    const port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    writeKubeconfig(dir, port);
  });

  after(async () => {
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    ac.abort();
    await closed;
    await registry.close();
    await store.close();
    await etcd.stop();
    etcd.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string): Promise<{ status: number; json: Json; retryAfter: string | null; ms: number }> => {
    const t0 = Date.now();
    const res = await fetch(`${base}${path}`);
    const json = (await res.json()) as Json;
    return { status: res.status, json, retryAfter: res.headers.get('retry-after'), ms: Date.now() - t0 };
  };
  const names = (list: Json): string[] => (list['items'] as Json[]).map((o) => o['metadata']['name'] as string);
  const kubectlRaw = async (bin: string, path: string): Promise<{ code: number; json: Json; stderr: string }> => {
    const r = await runIn(dir, bin, ['get', '--raw', path]);
    let json: Json = {};
    try {
      json = JSON.parse(r.stdout) as Json;
    } catch {
      /* an error: nothing on stdout */
    }
    return { code: r.code, json, stderr: r.stderr };
  };

  test('Exact reads the collection at N; NotOlderThan and "0" serve the latest; kubectl --raw sees the same', async () => {
    const a = await registry.create('pods', 'default', pod('rv-a'));
    const rvA = a.metadata.resourceVersion!;
    await registry.create('pods', 'default', pod('rv-b'));
    await registry.delete('pods', 'default', 'rv-a', { gracePeriodSeconds: 0 });
    const now = String(await store.currentRevision());
    const pods = '/api/v1/namespaces/default/pods';

    const exact = await get(`${pods}?resourceVersion=${rvA}&resourceVersionMatch=Exact`);
    assert.equal(exact.status, 200);
    assert.deepEqual(names(exact.json), ['rv-a']);
    assert.equal(exact.json['metadata']['resourceVersion'], rvA);
    const legacy = await get(`${pods}?resourceVersion=${rvA}&limit=10`);
    assert.deepEqual(
      [names(legacy.json), legacy.json['metadata']['resourceVersion']],
      [['rv-a'], rvA],
      'legacy: resourceVersion + limit is Exact',
    );
    for (const q of [
      `resourceVersion=${rvA}&resourceVersionMatch=NotOlderThan`,
      `resourceVersion=${rvA}`,
      'resourceVersion=0',
      'resourceVersion=0&limit=1',
      '',
    ]) {
      const latest = await get(`${pods}?${q}`);
      assert.equal(latest.status, 200, q);
      assert.deepEqual([names(latest.json), latest.json['metadata']['resourceVersion']], [['rv-b'], now], q);
    }
    // GET of one object: unset / "0" / an old N all serve the latest.
    for (const rv of ['', '0', rvA]) assert.equal((await get(`${pods}/rv-b?resourceVersion=${rv}`)).status, 200);

    for (const [name, bin] of KUBECTLS) {
      const r = await kubectlRaw(bin, `${pods}?resourceVersion=${rvA}&resourceVersionMatch=Exact`);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.deepEqual([names(r.json), r.json['metadata']['resourceVersion']], [['rv-a'], rvA], name);
    }
  });

  test("invalid option combinations are upstream's 422 (and kubectl prints them)", async () => {
    const e = await get('/api/v1/namespaces/default/pods?resourceVersionMatch=NotOlderThan');
    assert.equal(e.status, 422);
    assert.deepEqual(e.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      reason: 'Invalid',
      details: {
        group: 'meta.k8s.io',
        kind: 'ListOptions',
        causes: [
          {
            reason: 'FieldValueForbidden',
            message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
            field: 'resourceVersionMatch',
          },
        ],
      },
      code: 422,
    });
    assert.equal(
      (await get('/api/v1/pods?resourceVersion=0&resourceVersionMatch=Exact')).json['message'],
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    );
    assert.equal(
      (await get('/api/v1/pods?resourceVersion=1&resourceVersionMatch=Newest')).json['message'],
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
    );
    assert.equal(
      (await get('/api/v1/pods?watch=true&resourceVersion=1&resourceVersionMatch=NotOlderThan')).status,
      422,
    );
    for (const [name, bin] of KUBECTLS) {
      const r = await kubectlRaw(bin, '/api/v1/pods?resourceVersion=0&resourceVersionMatch=Exact');
      assert.notEqual(r.code, 0, name);
      assert.match(r.stderr, /resourceVersionMatch "exact" is forbidden for resourceVersion "0"/, name);
    }
  });

  test('pages after the first are read at its revision; kubectl --chunk-size walks them', async () => {
    await registry.create('namespaces', '', { metadata: { name: 'pages' } });
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) await registry.create('pods', 'pages', pod(n));
    const path = '/api/v1/namespaces/pages/pods';
    const first = await get(`${path}?limit=2`);
    assert.deepEqual(names(first.json), ['p1', 'p2']);
    const token = first.json['metadata']['continue'] as string;
    assert.match(token, /^[A-Za-z0-9_-]+$/, 'unpadded base64url like upstream');
    await registry.delete('pods', 'pages', 'p3', { gracePeriodSeconds: 0 });
    await registry.create('pods', 'pages', pod('p6'));
    const second = await get(`${path}?limit=2&continue=${token}`);
    assert.deepEqual(names(second.json), ['p3', 'p4'], 'the deleted p3 is still in the snapshot, p6 is not');
    assert.equal(second.json['metadata']['resourceVersion'], first.json['metadata']['resourceVersion']);
    const third = await get(`${path}?limit=2&continue=${second.json['metadata']['continue'] as string}`);
    assert.deepEqual([names(third.json), third.json['metadata']['continue'] ?? ''], [['p5'], '']);

    const withRv = await get(
      `${path}?limit=2&continue=${token}&resourceVersion=${first.json['metadata']['resourceVersion'] as string}`,
    );
    assert.deepEqual(
      [withRv.status, withRv.json['reason'], withRv.json['message']],
      [400, 'BadRequest', 'specifying resource version is not allowed when using continue'],
    );
    const bad = await get(`${path}?limit=2&continue=not-a-token`);
    assert.equal(bad.status, 400);
    assert.match(bad.json['message'] as string, /^invalid continue token: continue key is not valid/);

    for (const [name, bin] of KUBECTLS) {
      const r = await runIn(dir, bin, ['get', 'pods', '-n', 'pages', '--chunk-size=1', '-o', 'name']);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.deepEqual(r.stdout.trim().split('\n'), ['pod/p1', 'pod/p2', 'pod/p4', 'pod/p5', 'pod/p6'], name);
    }
  });

  test('revisions from the future: 504 Too large resource version (Exact at once, NotOlderThan after ~3 s)', async () => {
    const current = await store.currentRevision();
    const future = current + 1000;
    const exact = await get(`/api/v1/pods?resourceVersion=${future}&resourceVersionMatch=Exact`);
    assert.equal(exact.status, 504);
    assert.equal(exact.retryAfter, null);
    assert.deepEqual(exact.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `Timeout: Too large resource version: ${future}, current: ${current}`,
      reason: 'Timeout',
      details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] },
      code: 504,
    });
    const waited = await get(`/api/v1/pods?resourceVersion=${future}&resourceVersionMatch=NotOlderThan`);
    assert.equal(waited.status, 504);
    assert.ok(waited.ms >= 2_900, `answered after ${waited.ms} ms`);
    assert.equal(waited.retryAfter, '1');
    assert.deepEqual(waited.json['details'], {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    });
    assert.equal(waited.json['message'], `Timeout: Too large resource version: ${future}, current: ${current}`);

    // A NotOlderThan read (and a GET) that the store catches up with during the wait succeeds.
    const next = (await store.currentRevision()) + 1;
    const pending = get(`/api/v1/namespaces/default/pods?resourceVersion=${next}`);
    const pendingGet = get(`/api/v1/namespaces/default/pods/rv-late?resourceVersion=${next}`);
    await new Promise((r) => setTimeout(r, 300));
    await registry.create('pods', 'default', pod('rv-late'));
    const caught = await pending;
    assert.equal(caught.status, 200);
    assert.ok(names(caught.json).includes('rv-late'));
    assert.equal(caught.json['metadata']['resourceVersion'], String(next));
    assert.equal((await pendingGet).status, 200);

    for (const [name, bin] of KUBECTLS) {
      const r = await kubectlRaw(bin, `/api/v1/pods?resourceVersion=${future}&resourceVersionMatch=Exact`);
      assert.notEqual(r.code, 0, name);
      assert.match(r.stderr, /Too large resource version/, name);
    }
  });

  test('compacted revisions: 410 for Exact; an expired continue token hands out one that finishes the list', async () => {
    await registry.create('namespaces', '', { metadata: { name: 'compact' } });
    for (const n of ['c1', 'c2', 'c3']) await registry.create('pods', 'compact', pod(n));
    const path = '/api/v1/namespaces/compact/pods';
    const first = await get(`${path}?limit=1`);
    const old = first.json['metadata']['resourceVersion'] as string;
    await registry.delete('pods', 'compact', 'c2', { gracePeriodSeconds: 0 });
    await registry.create('pods', 'compact', pod('c4'));
    await store.compact(await store.currentRevision());

    const gone = await get(`${path}?resourceVersion=${old}&resourceVersionMatch=Exact`);
    assert.deepEqual(gone.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'The resourceVersion for the provided list is too old.',
      reason: 'Expired',
      code: 410,
    });
    assert.equal((await get(`${path}?resourceVersion=${old}&limit=5`)).status, 410, 'legacy Exact');
    assert.equal((await get(`${path}?resourceVersion=${old}`)).status, 200, 'NotOlderThan an old revision is fine');

    const expired = await get(`${path}?limit=1&continue=${first.json['metadata']['continue'] as string}`);
    assert.equal(expired.status, 410);
    assert.equal(expired.json['reason'], 'Expired');
    assert.match(
      expired.json['message'] as string,
      /^The provided continue parameter is too old to display a consistent list result\./,
    );
    const inconsistent = expired.json['metadata']['continue'] as string;
    assert.ok(inconsistent, 'metadata.continue carries a token to finish the list');
    const rest = await get(`${path}?continue=${inconsistent}`);
    assert.equal(rest.status, 200);
    assert.deepEqual(names(rest.json), ['c3', 'c4']);
    assert.equal(rest.json['metadata']['resourceVersion'], String(await store.currentRevision()));

    for (const [name, bin] of KUBECTLS) {
      const r = await kubectlRaw(bin, `${path}?resourceVersion=${old}&resourceVersionMatch=Exact`);
      assert.notEqual(r.code, 0, name);
      assert.match(r.stderr, /The resourceVersion for the provided list is too old\./, name);
    }
  });
});
