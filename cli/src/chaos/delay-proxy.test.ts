import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { parseProxyArgs, releaseAt, serve } from './delay-proxy.js';
import { killConnectionsArgs, listeningPorts, planRedirects, redirectRules } from './netns.js';

test('releaseAt: delay ± jitter, never before the previous chunk', () => {
  assert.equal(releaseAt(1000, 0, 200, 0, 0.5), 1200);
  assert.equal(releaseAt(1000, 0, 200, 20, 0), 1180);
  assert.equal(releaseAt(1000, 0, 200, 20, 1), 1220);
  assert.equal(releaseAt(1001, 1220, 200, 20, 0), 1220); // kept behind the earlier chunk: byte order
  assert.equal(releaseAt(1000, 0, 10, 50, 0), 1000); // never negative
});

test('parseProxyArgs', () => {
  assert.deepEqual(parseProxyArgs(['--delay', '200', '--jitter', '20', '39000=172.20.0.3:7000']), {
    delayMs: 200,
    jitterMs: 20,
    maps: [{ listen: 39000, host: '172.20.0.3', port: 7000 }],
  });
  assert.throws(() => parseProxyArgs(['--delay', '200']), /no LISTEN_PORT/);
  assert.throws(() => parseProxyArgs(['--delay', 'x', '1=1.2.3.4:5']), /must be numbers/);
  assert.throws(() => parseProxyArgs(['--delay', '1', 'apiserver:7000']), /bad argument/);
});

test('a peer and its listening ports become one proxy port each, and REDIRECT rules that undo exactly', () => {
  const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1B58 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0B00007F:A1B2 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0300140A:1B58 0200140A:D2C4 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
  sl  local_address                         remote_address                        st tx_queue rx_queue
   0: 00000000000000000000000000000000:192B 00000000000000000000000000000000:0000 0A 00000000:00000000
   1: 00000000000000000000000001000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000
`;
  // 7000 and 6443 on any address; 41394 on 127.0.0.11 (Docker's DNS), 9000 on ::1 and an established one are not served.
  assert.deepEqual(listeningPorts(tcp), [6443, 7000]);
  const plan = planRedirects([
    { ip: '10.20.0.3', ports: [6443, 7000] },
    { ip: '10.20.0.4', ports: [7000] },
  ]);
  assert.deepEqual(plan, [
    { ip: '10.20.0.3', port: 6443, listen: 39000 },
    { ip: '10.20.0.3', port: 7000, listen: 39001 },
    { ip: '10.20.0.4', port: 7000, listen: 39002 },
  ]);
  const r = redirectRules(plan.slice(1, 2));
  const rule =
    'OUTPUT -p tcp -d 10.20.0.3 --dport 7000 -m owner ! --uid-owner 65534 -m comment --comment kubelab-chaos -j REDIRECT --to-ports 39001';
  assert.deepEqual(
    r.add.map((a) => a.join(' ')),
    [`iptables -t nat -A ${rule}`],
  );
  assert.deepEqual(
    r.undo.map((a) => a.join(' ')),
    [`iptables -t nat -D ${rule}`],
  );
  assert.deepEqual(killConnectionsArgs(plan[1]!), ['ss', '-K', 'dst', '10.20.0.3', 'dport', '=', '7000']);
});

test('the proxy delays what the client sends by D, in order; a round trip through it takes at least D', async () => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const port = (echo.address() as net.AddressInfo).port;
  const D = 150;
  const [proxy] = await serve([{ listen: 0, host: '127.0.0.1', port }], D, 50);
  const listen = (proxy!.address() as net.AddressInfo).port;
  try {
    const c = net.connect(listen, '127.0.0.1');
    await new Promise((r) => c.once('connect', r));
    let got = '';
    const t0 = performance.now();
    let first = 0;
    const done = new Promise<void>((resolve) =>
      c.on('data', (d) => {
        got += d;
        first ||= performance.now() - t0;
        if (got.length >= 200) resolve();
      }),
    );
    for (let i = 0; i < 100; i++) {
      c.write(String(i % 10).repeat(2));
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await done;
    const want = Array.from({ length: 100 }, (_, i) => String(i % 10).repeat(2)).join('');
    assert.equal(got, want, 'bytes in order');
    assert.ok(first >= D - 50 - 2, `first answer after ${first.toFixed(0)} ms, want ≥ ${D - 50} (D - jitter)`);
    c.destroy();
    // Without jitter: each round trip ≥ D.
    const [exact] = await serve([{ listen: 0, host: '127.0.0.1', port }], D, 0);
    const c2 = net.connect((exact!.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((r) => c2.once('connect', r));
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const back = new Promise((r) => c2.once('data', r));
      c2.write('ping');
      await back;
      const rtt = performance.now() - t;
      assert.ok(rtt >= D - 2, `round trip ${rtt.toFixed(0)} ms, want ≥ ${D}`);
    }
    c2.destroy();
    exact!.close();
  } finally {
    proxy!.close();
    echo.close();
  }
});
