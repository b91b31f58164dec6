import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServicePool } from './pool.js';

const a = { ip: '10.0.0.1', port: 80, nodeName: 'n1' };
const b = { ip: '10.0.0.2', port: 80, nodeName: 'n2' };
const c = { ip: '10.0.0.3', port: 80, nodeName: 'n1' };

test('round robin without affinity; update reports removed backends', () => {
  const p = new ServicePool([a, b, c], {});
  assert.deepEqual(
    [0, 1, 2, 3].map(() => p.candidates('10.1.1.1')[0]!.ip),
    ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1'],
  );
  assert.deepEqual([...p.update([a, c], {})], ['10.0.0.2:80']);
});

test('ClientIP affinity keeps a client on its backend until the timeout after its last connection', () => {
  let now = 0;
  const p = new ServicePool([a, b, c], { affinitySeconds: 10 }, { now: () => now });
  const first = p.candidates('10.1.1.1')[0]!.ip;
  for (let i = 0; i < 5; i++) {
    now += 9_000;
    assert.equal(p.candidates('10.1.1.1')[0]!.ip, first);
  }
  assert.notEqual(p.candidates('10.1.1.2')[0]!.ip, first, 'another client is balanced');
  now += 10_001;
  const after = [0, 1, 2].map(() => p.candidates('10.1.1.3')[0]!.ip);
  assert.deepEqual(new Set(after).size, 1);
  p.update(
    [b, c].filter((x) => x.ip !== first),
    { affinitySeconds: 10 },
  );
  assert.notEqual(p.candidates('10.1.1.1')[0]!.ip, first, 'a removed backend is not kept');
});

test('fail-over moves the affinity to the backend really used', () => {
  const p = new ServicePool([a, b], { affinitySeconds: 60 });
  const [first, second] = p.candidates('10.1.1.1');
  p.chose('10.1.1.1', second!);
  assert.equal(p.candidates('10.1.1.1')[0]!.ip, second!.ip);
  assert.notEqual(first!.ip, second!.ip);
});

test("Local: only backends on the client's node; none for an unknown client", () => {
  const nodes: Record<string, string> = { '10.9.0.1': 'n1', '10.9.0.2': 'n3' };
  const p = new ServicePool([a, b, c], { local: true }, { nodeOf: (ip) => nodes[ip] });
  const seen = new Set([0, 1, 2, 3].map(() => p.candidates('10.9.0.1')[0]!.ip));
  assert.deepEqual([...seen].sort(), ['10.0.0.1', '10.0.0.3']);
  assert.deepEqual(p.candidates('10.9.0.2'), []);
  assert.deepEqual(p.candidates('10.9.9.9'), []);
});
