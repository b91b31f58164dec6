import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mustParseCidr } from '@kubelab/api';
import { desiredFor } from './desired.js';
import { EMPTY_APPLIED, baseScript, serviceScript } from './nft-script.js';
import { slice, svc } from './testing.js';

const opts = {
  serviceCidr: mustParseCidr('10.244.128.0/18', 'cidr'),
  lbPool: mustParseCidr('10.244.192.0/24', 'cidr'),
  nodePortHost: '0.0.0.0',
};

function lb(affinity: boolean) {
  const s = svc('web', {
    type: 'LoadBalancer',
    clusterIP: '10.244.128.10',
    ...(affinity ? { sessionAffinity: 'ClientIP' } : {}),
    ports: [
      { name: 'http', port: 80, nodePort: 30080 },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
  });
  s.status = { loadBalancer: { ingress: [{ ip: '10.244.192.1' }] } };
  return s;
}
const two = [
  slice(
    'web',
    [
      { ip: '10.244.0.5', node: 'n1' },
      { ip: '10.244.0.6', node: 'n2' },
    ],
    [
      { name: 'http', port: 8080 },
      { name: 'dns', port: 5353, protocol: 'UDP' },
    ],
  ),
];
const one = [
  slice(
    'web',
    [{ ip: '10.244.0.5', node: 'n1' }],
    [
      { name: 'http', port: 8080 },
      { name: 'dns', port: 5353, protocol: 'UDP' },
    ],
  ),
];

test('a service: map elements for ClusterIP, LB IP and node port; round robin over DNAT chains', () => {
  const { script, applied } = serviceScript(EMPTY_APPLIED, desiredFor(lb(false), two, opts), '0.0.0.0');
  const text = script.join('\n');
  assert.match(text, /add element ip kubelab svc_ports \{ 10\.244\.128\.10 \. tcp \. 80 : goto pool-\w+ \}/);
  assert.match(text, /add element ip kubelab svc_ports \{ 10\.244\.192\.1 \. tcp \. 80 : goto pool-\w+ \}/);
  assert.match(text, /add element ip kubelab node_ports \{ tcp \. 30080 : goto pool-\w+ \}/);
  assert.match(text, /numgen inc mod 2 vmap \{ 0 : goto ep-\w+, 1 : goto ep-\w+ \}/);
  assert.match(text, /meta l4proto tcp dnat to 10\.244\.0\.5:8080/);
  assert.match(text, /meta l4proto udp dnat to 10\.244\.0\.6:5353/);
  assert.equal(applied.elements.length, 5);
});

test("no endpoints: no element, so the client is refused by kube-proxy's own stack", () => {
  const { applied } = serviceScript(EMPTY_APPLIED, desiredFor(lb(false), [], opts), '0.0.0.0');
  assert.deepEqual(applied.elements, []);
});

test('an unchanged service yields no element changes; removing it deletes everything it made', () => {
  const first = serviceScript(EMPTY_APPLIED, desiredFor(lb(true), two, opts), '0.0.0.0');
  const again = serviceScript(first.applied, desiredFor(lb(true), two, opts), '0.0.0.0');
  assert.ok(!again.script.some((l) => /element/.test(l)), again.script.join('\n'));
  const gone = serviceScript(first.applied, desiredFor(undefined, [], opts), '0.0.0.0');
  assert.equal(gone.script.filter((l) => l.startsWith('delete element')).length, 5);
  assert.equal(gone.script.filter((l) => l.startsWith('delete chain')).length, first.applied.chains.length);
  assert.equal(gone.script.filter((l) => l.startsWith('delete set')).length, first.applied.sets.length);
  assert.deepEqual(gone.applied, EMPTY_APPLIED);
});

test('ClientIP affinity: a timed set per endpoint, checked before the round robin', () => {
  const text = serviceScript(EMPTY_APPLIED, desiredFor(lb(true), two, opts), '0.0.0.0').script.join('\n');
  assert.match(text, /add set ip kubelab aff-\w+ \{ type ipv4_addr; flags dynamic,timeout; timeout 10800s; \}/);
  assert.match(text, /ip saddr @aff-\w+ goto ep-\w+/);
  assert.match(text, /update @aff-\w+ \{ ip saddr \}/);
});

test("internalTrafficPolicy Local: per node, the client's node set picks that node's endpoints; else drop", () => {
  const s = svc('l', { clusterIP: '10.244.128.11', internalTrafficPolicy: 'Local', ports: [{ port: 80 }] });
  const text = serviceScript(
    EMPTY_APPLIED,
    desiredFor(s, [slice('l', [{ ip: '10.244.0.5', node: 'n1' }], [{ port: 80 }])], opts),
    '0.0.0.0',
  ).script.join('\n');
  assert.match(text, /ip saddr @node-\w+ goto pool-\w+-\w+/);
  assert.match(text, /add rule ip kubelab pool-\w+ drop/);
});

// The real nft parser and kernel, in a network namespace of this test's own (root only).
const nftOk = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'nft', 'list', 'tables']).status === 0;

test('the transactions apply with the real nft in a private network namespace', {
  skip: nftOk ? false : 'needs root, unshare and nft',
}, () => {
  const a = serviceScript(EMPTY_APPLIED, desiredFor(lb(true), two, opts), '0.0.0.0');
  const b = serviceScript(a.applied, desiredFor(lb(true), one, opts), '0.0.0.0');
  const c = serviceScript(b.applied, desiredFor(undefined, [], opts), '0.0.0.0');
  const all = [baseScript(new Map([['n1', ['10.244.0.5']]])), a.script, b.script, c.script].map(
    (x) => x.join('\n') + '\n',
  );
  const sh = all.map((_, i) => `nft -f /dev/fd/${3 + i} || exit ${10 + i}`).join('; ') + '; nft list table ip kubelab';
  const r = spawnSync(
    'unshare',
    ['-n', 'bash', '-c', sh.replace(/\/dev\/fd\/(\d+)/g, (_, n) => `<(printf '%s' "$S${n}")`)],
    { env: { ...process.env, ...Object.fromEntries(all.map((t, i) => [`S${3 + i}`, t])) }, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /chain (pool|ep)-/, 'the removed service left no chain');
  assert.match(r.stdout, /ct status dnat masquerade/);
});
