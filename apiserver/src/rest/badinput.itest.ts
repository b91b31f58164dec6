/**
 * Integration test: bad input against a real apiserver (StoreRegistry, real etcd, REST and gRPC
 * on loopback). Each bad input answers its 4xx with upstream's reason and the field path, nothing
 * is written, and the apiserver keeps serving watches afterwards. Run with
 *   node --test apiserver/dist/rest/badinput.itest.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { StoreCluster, type Json, type Reply } from './testing/store-cluster.js';

const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const CMS = '/api/v1/namespaces/default/configmaps';

const pod = (name: string, container: Json = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', ...container }] },
});
const deployment = (name: string, args: string[] = []): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox', args }] } },
  },
});

function expectStatus(r: Reply, code: number, reason: string, message?: string | RegExp): void {
  assert.equal(r.status, code, r.text);
  assert.equal(r.json['kind'], 'Status', r.text);
  assert.equal(r.json['reason'], reason, r.text);
  if (typeof message === 'string')
    assert.ok(
      String(r.json['message']).includes(message),
      `${String(r.json['message'])}\n  does not include\n${message}`,
    );
  else if (message) assert.match(String(r.json['message']), message);
}

async function grpcError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return ApiError.from(e);
  }
  assert.fail('the gRPC call succeeded');
}

describe('bad input on a real apiserver', () => {
  const c = new StoreCluster();
  before(() => c.start());
  after(() => c.stop());

  test('an object over etcd’s 1.5 MiB answers 413 before etcd is asked, on REST and gRPC; the body limit stays 3 MiB', async () => {
    const big = pod('big', { args: ['x'.repeat(2_500_000)] });
    const rev = await c.store.currentRevision();
    expectStatus(
      await c.call('POST', PODS, big),
      413,
      'RequestEntityTooLarge',
      /^Request entity too large: pods "big" would be \d+ bytes in storage, over etcd's limit of 1572864 bytes/,
    );
    const e = await grpcError(c.client.create('pods', big, 'default'));
    assert.equal(e.reason, 'RequestEntityTooLarge');
    assert.match(e.message, /^Request entity too large: pods "big"/);
    expectStatus(
      await c.call('POST', PODS, pod('bigger', { args: ['x'.repeat(3_200_000)] })),
      413,
      'RequestEntityTooLarge',
      'Request entity too large: limit is 3145728',
    );
    assert.equal(await c.store.currentRevision(), rev, 'nothing was written');
    // An update that grows an object over the limit is refused the same way; the object stays.
    assert.equal((await c.call('POST', DEPLOYS, deployment('grow'))).status, 201);
    const cur = (await c.call('GET', `${DEPLOYS}/grow`)).json;
    const grown = { ...deployment('grow', ['y'.repeat(2_000_000)]), metadata: cur['metadata'] };
    expectStatus(
      await c.call('PUT', `${DEPLOYS}/grow`, grown),
      413,
      'RequestEntityTooLarge',
      'deployments.apps "grow" would be',
    );
    await c.assertWatchDelivers('after-size');
  });

  test('JSON patch: copying a value onto itself 12 times is refused (422), 10,001 operations are 413', async () => {
    assert.equal((await c.call('POST', DEPLOYS, deployment('copy', ['z'.repeat(1024)]))).status, 201);
    const args = '/spec/template/spec/containers/0/args';
    const bomb = Array.from({ length: 12 }, () => ({ op: 'copy', from: args, path: `${args}/-` }));
    const jsonPatch = { 'Content-Type': 'application/json-patch+json' };
    expectStatus(
      await c.call('PATCH', `${DEPLOYS}/copy`, bomb, jsonPatch),
      422,
      'Invalid',
      /Unable to complete the copy, the accumulated size increase of copy is \d+, exceeding the limit 3145728/,
    );
    const after = (await c.call('GET', `${DEPLOYS}/copy`)).json;
    assert.equal(after['spec']['template']['spec']['containers'][0]['args'].length, 1, 'the object did not grow');
    const many = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/metadata/name', value: 'copy' }));
    expectStatus(
      await c.call('PATCH', `${DEPLOYS}/copy`, many, jsonPatch),
      413,
      'RequestEntityTooLarge',
      'The allowed maximum operations in a JSON patch is 10000, got 10001',
    );
    // A merge patch that would grow the object over the limit meets the stored-size limit.
    const merge = {
      spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox', args: ['w'.repeat(2_000_000)] }] } } },
    };
    expectStatus(
      await c.call('PATCH', `${DEPLOYS}/copy`, merge, { 'Content-Type': 'application/merge-patch+json' }),
      413,
      'RequestEntityTooLarge',
    );
    await c.assertWatchDelivers('after-patch');
  });

  test('quantities are validated with upstream messages and field paths, on REST and gRPC', async () => {
    const cases: [Json, string][] = [
      [
        { limits: { memory: '-1Gi' } },
        'spec.containers[0].resources.limits[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
      ],
      [
        { requests: { cpu: 'abc' } },
        `spec.containers[0].resources.requests[cpu]: Invalid value: "abc": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      ],
      [
        { requests: { cpu: '1e400' } },
        'spec.containers[0].resources.requests[cpu]: Invalid value: "1e400": must be between -9223372036854775807 and 9223372036854775807, inclusive',
      ],
      [
        { limits: { cpu: '1' }, requests: { cpu: '2' } },
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
      ],
    ];
    for (const [resources, message] of cases) {
      const r = await c.call('POST', PODS, pod('q', { resources }));
      expectStatus(r, 422, 'Invalid', message);
      assert.ok(
        (r.json['details']['causes'] as Json[]).some((x) => String(message).startsWith(String(x['field']))),
        r.text,
      );
      const e = await grpcError(c.client.create('pods', pod('q', { resources }), 'default'));
      assert.equal(e.reason, 'Invalid');
      assert.ok(e.message.includes(message), e.message);
    }
    // Init containers, a deployment's template, an emptyDir's size limit.
    const init = {
      ...pod('q'),
      spec: {
        initContainers: [{ name: 'i', image: 'busybox', resources: { limits: { cpu: '-1' } } }],
        containers: [{ name: 'c', image: 'busybox' }],
      },
    };
    expectStatus(
      await c.call('POST', PODS, init),
      422,
      'Invalid',
      'spec.initContainers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0',
    );
    const dep = deployment('q');
    dep['spec']['template']['spec']['containers'][0]['resources'] = { limits: { memory: '512mi' } };
    expectStatus(
      await c.call('POST', DEPLOYS, dep),
      422,
      'Invalid',
      `spec.template.spec.containers[0].resources.limits[memory]: Invalid value: "512mi": unable to parse quantity's suffix`,
    );
    const vol = {
      ...pod('q'),
      spec: {
        volumes: [{ name: 'v', emptyDir: { sizeLimit: 'lots' } }],
        containers: [{ name: 'c', image: 'busybox' }],
      },
    };
    expectStatus(
      await c.call('POST', PODS, vol),
      422,
      'Invalid',
      'spec.volumes[0].emptyDir.sizeLimit: Invalid value: "lots": quantities must match',
    );
    // Node capacity written by a client, through /status.
    const node = await c.call('POST', '/api/v1/nodes', {
      metadata: { name: 'n1' },
      status: { capacity: { cpu: '2' } },
    });
    assert.equal(node.status, 201, node.text);
    const status = { ...node.json, status: { capacity: { cpu: '2', memory: '-5Gi' } } };
    expectStatus(
      await c.call('PUT', '/api/v1/nodes/n1/status', status),
      422,
      'Invalid',
      'status.capacity.memory: Invalid value: "-5Gi": must be greater than or equal to 0',
    );
    assert.equal((await c.call('GET', `${PODS}/q`)).status, 404, 'no bad pod was stored');
    await c.assertWatchDelivers('after-quantities');
  });

  test('an unparsable selector is a 400 on list, watch and deletecollection — it never selects everything', async () => {
    for (const n of ['keep-1', 'keep-2'])
      assert.equal((await c.call('POST', CMS, { metadata: { name: n, labels: { app: 'keep' } } })).status, 201);
    const bad = encodeURIComponent('!!!');
    const msg = "unable to parse requirement: found '!', expected: identifier";
    expectStatus(await c.call('GET', `${CMS}?labelSelector=${bad}`), 400, 'BadRequest', msg);
    expectStatus(await c.call('GET', `${CMS}?watch=true&labelSelector=${bad}`), 400, 'BadRequest', msg);
    expectStatus(await c.call('DELETE', `${CMS}?labelSelector=${bad}`), 400, 'BadRequest', msg);
    expectStatus(
      await c.call('DELETE', `${CMS}?fieldSelector=${encodeURIComponent('metadata.nmae!=x')}`),
      400,
      'BadRequest',
      '"metadata.nmae" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
    expectStatus(
      await c.call('GET', `${PODS}?fieldSelector=${encodeURIComponent('spec.nodename=n1')}`),
      400,
      'BadRequest',
      'field label not supported: spec.nodename',
    );
    expectStatus(
      await c.call('GET', `${PODS}?watch=1&fieldSelector=justaword`),
      400,
      'BadRequest',
      "invalid selector: 'justaword'; can't understand 'justaword'",
    );
    const e = await grpcError(c.client.list('configmaps', { namespace: 'default', labelSelector: 'a in (b' }));
    assert.equal(e.reason, 'BadRequest');
    const left = (await c.call('GET', `${CMS}?labelSelector=app%3Dkeep`)).json['items'] as Json[];
    assert.deepEqual(left.map((o) => o['metadata']['name']).sort(), ['keep-1', 'keep-2'], 'nothing was deleted');
    await c.assertWatchDelivers('after-selectors');
  });

  test('nesting, truncated, malformed and alias-bomb bodies are a 400 with a clear message, never a 500', async () => {
    const nest = (d: number): string => `${'['.repeat(d)}${']'.repeat(d)}`;
    const deep = (d: number): string => `{"metadata":{"name":"deep"},"data":{"a":"b"},"x":${nest(d)}}`;
    for (const d of [2_000, 10_001, 1_000_000])
      expectStatus(
        await c.call('POST', CMS, deep(d)),
        400,
        'BadRequest',
        'exceeded max depth of 500 (under "x[0][0][0]...")',
      );
    const yaml = { 'Content-Type': 'application/yaml' };
    expectStatus(
      await c.call('POST', CMS, `metadata: {name: deep}\nx: ${nest(100_000)}\n`, yaml),
      400,
      'BadRequest',
      'exceeded max depth of 500',
    );
    expectStatus(
      await c.call('POST', CMS, `${'- '.repeat(100_000)}x\n`, yaml),
      400,
      'BadRequest',
      'exceeded max depth of 500',
    );
    let bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (const [n, prev] of [...'bcdefghi'].map((n, i) => [n, 'abcdefghi'[i]!]))
      bomb += `${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    expectStatus(
      await c.call('POST', CMS, `metadata: {name: bomb}\n${bomb}`, yaml),
      400,
      'BadRequest',
      'Excessive alias count',
    );
    expectStatus(await c.call('POST', CMS, 'metadata: &m {name: cyc, labels: *m}\n', yaml), 400, 'BadRequest');
    expectStatus(
      await c.call('POST', CMS, '{"metadata":{"name":"trunc"},"data":{"a":'),
      400,
      'BadRequest',
      /^error decoding body: /,
    );
    expectStatus(await c.call('POST', CMS, 'metadata: [unclosed\n', yaml), 400, 'BadRequest', /^error decoding body: /);
    expectStatus(
      await c.call('POST', CMS, Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff, 0xff]), {
        'Content-Type': 'application/vnd.kubernetes.protobuf',
      }),
      400,
      'BadRequest',
    );
    for (const body of ['', 'null', '[]', '1', '"s"']) expectStatus(await c.call('POST', CMS, body), 400, 'BadRequest');
    expectStatus(
      await c.call('PATCH', `${CMS}/keep-1`, '{"data":', { 'Content-Type': 'application/merge-patch+json' }),
      400,
      'BadRequest',
      /^error decoding body: /,
    );
    expectStatus(
      await c.call('PATCH', `${CMS}/keep-1`, `{"data":${nest(5_000)}}`, {
        'Content-Type': 'application/strategic-merge-patch+json',
      }),
      400,
      'BadRequest',
      'exceeded max depth of 500',
    );
    await c.assertWatchDelivers('after-malformed');
  });
});
