import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import pino from 'pino';
import { Forwarder, type Upstream } from './forward.js';
import { QueryHandler } from './handler.js';
import { mustParseCidr } from '@kubelab/api';
import { DnsServer } from './server.js';
import { ask, endpoint, exchange, rcodeOf, service, slice } from './testing.js';
import { Zone } from './zone.js';

const log = pino({ level: 'silent' });

/** An upstream resolver the test runs on loopback: A 192.0.2.1 for every name, over UDP and TCP. */
async function fakeUpstream(): Promise<{ port: number; seen: string[]; close(): void }> {
  const seen: string[] = [];
  const reply = (msg: Buffer): Buffer => {
    const q = dnsPacket.decode(msg);
    seen.push(q.questions![0]!.name);
    return dnsPacket.encode({
      id: q.id,
      type: 'response',
      flags: dnsPacket.RECURSION_AVAILABLE,
      questions: q.questions,
      answers: [{ name: q.questions![0]!.name, type: 'A', ttl: 60, data: '192.0.2.1' }],
    });
  };
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const port = udp.address().port;
  udp.on('message', (m, ri) => udp.send(reply(m), ri.port, ri.address));
  const tcp = net.createServer((s) =>
    s.on('data', (d: Buffer) => {
      const out = reply(d.subarray(2));
      const len = Buffer.alloc(2);
      len.writeUInt16BE(out.length, 0);
      s.end(Buffer.concat([len, out]));
    }),
  );
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', r));
  return { port, seen, close: () => (udp.close(), tcp.close()) };
}

/** A UDP port that takes queries and never answers. */
async function blackHole(): Promise<{ port: number; close(): void }> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { port: s.address().port, close: () => s.close() };
}

async function startServer(
  upstreams: () => Upstream[],
  forwarder = new Forwarder({ timeoutMs: 300 }),
): Promise<{ port: number; server: DnsServer }> {
  const zone = new Zone();
  zone.upsertService(
    service('default', 'web', { clusterIP: '10.244.130.7', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] }),
  );
  zone.upsertService(service('default', 'many', { clusterIP: 'None' }));
  zone.upsertSlice(
    slice(
      'default',
      'many',
      'm',
      Array.from({ length: 60 }, (_, i) => endpoint(`10.244.1.${i + 1}`)),
    ),
  );
  zone.upsertService(service('default', 'far', { type: 'ExternalName', externalName: 'example.org' }));
  const handler = new QueryHandler({
    zone,
    options: { ttl: 5, reverseCidrs: [mustParseCidr('10.244.0.0/16', 'cidr')], dnsService: 'kube-system/kube-dns' },
    forwarder,
    upstreams,
  });
  const server = new DnsServer({ host: '127.0.0.1', port: 0, handler, log });
  const { udpPort } = await server.start();
  return { port: udpPort, server };
}

describe('DnsServer on loopback: the zone over UDP and TCP', () => {
  let port = 0;
  let server: DnsServer;
  before(async () => ({ port, server } = await startServer(() => [])));
  after(() => server.close());

  it('answers A over UDP and TCP with the query ID, AA and RD', async () => {
    for (const tcp of [false, true]) {
      const r = await ask(port, 'web.default.svc.cluster.local', 'A', { tcp, id: 777 });
      assert.equal(r.id, 777);
      assert.equal(rcodeOf(r), 'NOERROR');
      assert.equal(r.flag_aa, true);
      assert.equal(r.flag_rd, true);
      assert.deepEqual(
        r.answers?.map((a) => ('data' in a ? a.data : '')),
        ['10.244.130.7'],
      );
    }
  });

  it('answers NXDOMAIN with the SOA in the authority section', async () => {
    const r = await ask(port, 'nosuch.default.svc.cluster.local', 'A');
    assert.equal(rcodeOf(r), 'NXDOMAIN');
    assert.equal(r.authorities?.[0]?.type, 'SOA');
  });

  it('truncates a UDP reply past 512 bytes (TC set, the answers that fit) and gives it whole over TCP', async () => {
    const udp = await ask(port, 'many.default.svc.cluster.local', 'A');
    assert.equal(udp.flag_tc, true);
    assert.ok(udp.answers!.length > 0 && udp.answers!.length < 60, `${udp.answers!.length} answers`);
    const edns = await ask(port, 'many.default.svc.cluster.local', 'A', { edns: true });
    assert.ok(edns.answers!.length > udp.answers!.length, 'EDNS allows more');
    assert.equal(edns.additionals?.find((a) => a.type === 'OPT')?.type, 'OPT');
    const tcp = await ask(port, 'many.default.svc.cluster.local', 'A', { tcp: true });
    assert.equal(tcp.flag_tc, false);
    assert.equal(tcp.answers!.length, 60);
  });

  it('answers FORMERR to garbage with a header, nothing to a short datagram, and keeps serving', async () => {
    const garbage = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0xff]);
    const r = dnsPacket.decode(await exchange(port, garbage, false));
    assert.equal(r.id, 0x1234);
    assert.equal(rcodeOf(r), 'FORMERR');
    await assert.rejects(exchange(port, Buffer.from([1, 2, 3]), false, 300), /no reply/);
    assert.equal(rcodeOf(await ask(port, 'web.default.svc.cluster.local', 'A')), 'NOERROR');
  });

  it('refuses a name outside the zone at once when there is no resolver to forward to', async () => {
    assert.equal(rcodeOf(await ask(port, 'example.org', 'A')), 'REFUSED');
  });
});

describe('DnsServer on loopback: forwarding', () => {
  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  let hole: Awaited<ReturnType<typeof blackHole>>;
  before(async () => {
    upstream = await fakeUpstream();
    hole = await blackHole();
  });
  after(() => {
    upstream.close();
    hole.close();
  });

  it('forwards names outside the zone over UDP and TCP, with the client query ID', async () => {
    const { port, server } = await startServer(() => [{ host: '127.0.0.1', port: upstream.port }]);
    try {
      for (const tcp of [false, true]) {
        const r = await ask(port, 'Example.ORG', 'A', { tcp, id: 999 });
        assert.equal(r.id, 999);
        assert.equal(rcodeOf(r), 'NOERROR');
        assert.deepEqual(
          r.answers?.map((a) => ('data' in a ? a.data : '')),
          ['192.0.2.1'],
        );
      }
    } finally {
      await server.close();
    }
  });

  it('follows an ExternalName CNAME out of the zone through the upstream', async () => {
    const { port, server } = await startServer(() => [{ host: '127.0.0.1', port: upstream.port }]);
    try {
      const r = await ask(port, 'far.default.svc.cluster.local', 'A');
      assert.deepEqual(
        r.answers?.map((a) => [a.type, 'data' in a ? a.data : '']),
        [
          ['CNAME', 'example.org'],
          ['A', '192.0.2.1'],
        ],
      );
    } finally {
      await server.close();
    }
  });

  it('answers SERVFAIL by the deadline when the upstream never answers, and when its port is closed', async () => {
    const closed = await blackHole();
    closed.close();
    for (const up of [hole.port, closed.port]) {
      const { port, server } = await startServer(() => [{ host: '127.0.0.1', port: up }]);
      try {
        const r = await ask(port, 'example.org', 'A', { timeoutMs: 2000 });
        assert.equal(rcodeOf(r), 'SERVFAIL');
      } finally {
        await server.close();
      }
    }
  });

  it('tries the next upstream when the first does not answer', async () => {
    const { port, server } = await startServer(
      () => [
        { host: '127.0.0.1', port: hole.port },
        { host: '127.0.0.1', port: upstream.port },
      ],
      new Forwarder({ timeoutMs: 1000 }),
    );
    try {
      assert.equal(rcodeOf(await ask(port, 'next.example.org', 'A')), 'NOERROR');
    } finally {
      await server.close();
    }
  });

  it('answers SERVFAIL at once past the bound on forwarded queries in flight', async () => {
    const { port, server } = await startServer(
      () => [{ host: '127.0.0.1', port: hole.port }],
      new Forwarder({ timeoutMs: 1500, maxInFlight: 1 }),
    );
    try {
      const first = ask(port, 'one.example.org', 'A', { id: 1 });
      const order: string[] = [];
      const second = ask(port, 'two.example.org', 'A', { id: 2 }).then((r) => (order.push('second'), r));
      void first.then(() => order.push('first'));
      assert.equal(rcodeOf(await second), 'SERVFAIL');
      assert.deepEqual(order, ['second']);
      assert.equal(rcodeOf(await first), 'SERVFAIL');
    } finally {
      await server.close();
    }
  });
});

describe('QueryHandler: the reply cache', () => {
  it('gives a repeated query the reply with its own ID, and a new one once the zone changed', async () => {
    const zone = new Zone();
    zone.upsertService(service('default', 'web', { clusterIP: '10.244.130.7' }));
    const handler = new QueryHandler({
      zone,
      options: { ttl: 5, reverseCidrs: [], dnsService: 'kube-system/kube-dns' },
      forwarder: new Forwarder(),
      upstreams: () => [],
    });
    const q = (id: number) =>
      dnsPacket.encode({ id, type: 'query', questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] });
    const a = (r: Buffer | undefined) => dnsPacket.decode(r!);
    assert.equal(a(await handler.handle(q(1), 'udp')).id, 1);
    const again = a(await handler.handle(q(2), 'udp'));
    assert.equal(again.id, 2);
    assert.deepEqual(
      again.answers?.map((x) => ('data' in x ? x.data : '')),
      ['10.244.130.7'],
    );
    zone.upsertService(service('default', 'web', { clusterIP: '10.244.130.8' }));
    assert.deepEqual(
      a(await handler.handle(q(3), 'udp')).answers?.map((x) => ('data' in x ? x.data : '')),
      ['10.244.130.8'],
    );
  });
});
