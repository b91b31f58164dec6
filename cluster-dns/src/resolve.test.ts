import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Question, RecordType } from 'dns-packet';
import { mustParseCidr } from '@kubelab/api';
import { resolve, type Resolution, type ResolveOptions } from './resolve.js';
import { endpoint, service, slice } from './testing.js';
import { Zone } from './zone.js';

const OPTS: ResolveOptions = {
  ttl: 5,
  reverseCidrs: [mustParseCidr('10.244.0.0/16', 'cidr')],
  dnsService: 'kube-system/kube-dns',
};

function lab(): Zone {
  const z = new Zone('cluster.local', () => 1_700_000_000_000);
  z.upsertService(
    service('kube-system', 'kube-dns', {
      clusterIP: '10.244.128.10',
      ports: [
        { name: 'dns', protocol: 'UDP', port: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53 },
      ],
    }),
  );
  z.upsertService(
    service('default', 'web', {
      clusterIP: '10.244.130.7',
      ports: [
        { name: 'http', protocol: 'TCP', port: 80 },
        { protocol: 'TCP', port: 8080 },
      ],
    }),
  );
  z.upsertSlice(
    slice(
      'default',
      'web',
      'web-abc',
      [endpoint('10.244.0.5'), endpoint('10.244.0.6', { conditions: { ready: false } })],
      [{ name: 'http', port: 8080, protocol: 'TCP' }],
    ),
  );
  z.upsertService(
    service('default', 'nginx', { clusterIP: 'None', ports: [{ name: 'web', protocol: 'TCP', port: 80 }] }),
  );
  z.upsertSlice(
    slice(
      'default',
      'nginx',
      'nginx-x',
      [
        endpoint('10.244.0.20', { hostname: 'web-0' }),
        endpoint('10.244.0.21', { hostname: 'web-1' }),
        endpoint('10.244.0.22', { hostname: 'web-2', conditions: { ready: false } }),
      ],
      [{ name: 'web', port: 8080, protocol: 'TCP' }],
    ),
  );
  z.upsertService(service('default', 'empty', { clusterIP: 'None' }));
  z.upsertService(service('other', 'ext', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }));
  z.upsertService(service('other', 'far', { type: 'ExternalName', externalName: 'example.org' }));
  return z;
}

function ask(z: Zone, name: string, type: RecordType | 'ANY' = 'A'): Resolution {
  const out = resolve(z, { name, type: type as RecordType, class: 'IN' } as Question, OPTS);
  assert.ok(!out.forward, `${name} ${type} was forwarded`);
  return out;
}

const data = (r: Resolution): unknown[] => r.answers.map((a) => ('data' in a ? a.data : undefined));

describe('resolve: Services', () => {
  it('answers a ClusterIP Service with its ClusterIP, authoritative, TTL 5, whatever the case of the question', () => {
    const r = ask(lab(), 'Web.Default.svc.cluster.local');
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.authoritative, true);
    assert.deepEqual(r.answers, [
      { name: 'Web.Default.svc.cluster.local', type: 'A', class: 'IN', ttl: 5, data: '10.244.130.7' },
    ]);
  });

  it('answers a headless Service with its ready endpoints only', () => {
    assert.deepEqual(data(ask(lab(), 'nginx.default.svc.cluster.local')), ['10.244.0.20', '10.244.0.21']);
  });

  it('answers the per-pod names of a headless Service (StatefulSet pods) and NXDOMAIN for a pod that is not ready', () => {
    assert.deepEqual(data(ask(lab(), 'web-0.nginx.default.svc.cluster.local')), ['10.244.0.20']);
    assert.equal(ask(lab(), 'web-2.nginx.default.svc.cluster.local').rcode, 'NXDOMAIN');
  });

  it('names endpoints without a hostname by their address with dashes', () => {
    assert.deepEqual(data(ask(lab(), '10-244-0-5.web.default.svc.cluster.local')), ['10.244.0.5']);
  });

  it('gives NXDOMAIN with the SOA for a headless Service without ready endpoints (the spec)', () => {
    const r = ask(lab(), 'empty.default.svc.cluster.local');
    assert.equal(r.rcode, 'NXDOMAIN');
    assert.equal(r.authorities[0]?.type, 'SOA');
  });

  it('answers a missing name with NXDOMAIN and the zone SOA in the authority section', () => {
    const r = ask(lab(), 'nosuch.default.svc.cluster.local');
    assert.equal(r.rcode, 'NXDOMAIN');
    assert.deepEqual(r.answers, []);
    assert.deepEqual(r.authorities, [
      {
        name: 'cluster.local',
        type: 'SOA',
        class: 'IN',
        ttl: 5,
        data: {
          mname: 'ns.dns.cluster.local',
          rname: 'hostmaster.cluster.local',
          serial: r.authorities[0]!.type === 'SOA' ? (r.authorities[0] as { data: { serial: number } }).data.serial : 0,
          refresh: 7200,
          retry: 1800,
          expire: 86400,
          minimum: 5,
        },
      },
    ]);
  });

  it('answers NOERROR with no answer (NODATA) for a name that exists with other types', () => {
    for (const [name, type] of [
      ['web.default.svc.cluster.local', 'AAAA'],
      ['web.default.svc.cluster.local', 'MX'],
      ['_http._tcp.web.default.svc.cluster.local', 'A'],
      ['default.svc.cluster.local', 'A'],
      ['_tcp.web.default.svc.cluster.local', 'SRV'],
      ['svc.cluster.local', 'A'],
      ['cluster.local', 'A'],
    ] as const) {
      const r = ask(lab(), name, type);
      assert.equal(r.rcode, 'NOERROR', `${name} ${type}`);
      assert.deepEqual(r.answers, [], `${name} ${type}`);
      assert.equal(r.authorities[0]?.type, 'SOA', `${name} ${type}`);
    }
    assert.equal(ask(lab(), 'nosuchns.svc.cluster.local').rcode, 'NXDOMAIN');
  });

  it('answers SRV for named ports: the Service name and port, with its A record in the additional section', () => {
    const r = ask(lab(), '_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(data(r), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    assert.deepEqual(r.additionals, [
      { name: 'web.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 5, data: '10.244.130.7' },
    ]);
    assert.equal(ask(lab(), '_dns._udp.kube-dns.kube-system.svc.cluster.local', 'SRV').answers.length, 1);
    assert.equal(ask(lab(), '_dns._tcp.kube-dns.kube-system.svc.cluster.local', 'SRV').rcode, 'NXDOMAIN');
  });

  it('answers SRV of a headless Service with one record per ready endpoint, its own name and the endpoint port', () => {
    const r = ask(lab(), '_web._tcp.nginx.default.svc.cluster.local', 'SRV');
    assert.deepEqual(data(r), [
      { priority: 0, weight: 50, port: 8080, target: 'web-0.nginx.default.svc.cluster.local' },
      { priority: 0, weight: 50, port: 8080, target: 'web-1.nginx.default.svc.cluster.local' },
    ]);
    assert.deepEqual(
      r.additionals.map((a) => [a.name, 'data' in a ? a.data : '']),
      [
        ['web-0.nginx.default.svc.cluster.local', '10.244.0.20'],
        ['web-1.nginx.default.svc.cluster.local', '10.244.0.21'],
      ],
    );
  });

  it('answers an ExternalName Service with a CNAME, followed inside the zone', () => {
    const r = ask(lab(), 'ext.other.svc.cluster.local');
    assert.deepEqual(
      r.answers.map((a) => [a.name, a.type, 'data' in a ? a.data : '']),
      [
        ['ext.other.svc.cluster.local', 'CNAME', 'web.default.svc.cluster.local'],
        ['web.default.svc.cluster.local', 'A', '10.244.130.7'],
      ],
    );
    assert.deepEqual(data(ask(lab(), 'ext.other.svc.cluster.local', 'CNAME')), ['web.default.svc.cluster.local']);
  });

  it('hands a CNAME target outside the zone to the caller to chase upstream', () => {
    const r = ask(lab(), 'far.other.svc.cluster.local');
    assert.deepEqual(data(r), ['example.org']);
    assert.deepEqual(r.chase, { name: 'example.org', type: 'A', class: 'IN' });
  });

  it('stops a CNAME loop inside the zone with SERVFAIL', () => {
    const z = lab();
    z.upsertService(service('loop', 'a', { type: 'ExternalName', externalName: 'b.loop.svc.cluster.local' }));
    z.upsertService(service('loop', 'b', { type: 'ExternalName', externalName: 'a.loop.svc.cluster.local' }));
    assert.equal(ask(z, 'a.loop.svc.cluster.local').rcode, 'SERVFAIL');
  });
});

describe('resolve: reverse, pods, the zone itself, and what is forwarded', () => {
  it('answers PTR for ClusterIPs and endpoint addresses, NXDOMAIN with an SOA for unknown cluster addresses', () => {
    assert.deepEqual(data(ask(lab(), '7.130.244.10.in-addr.arpa', 'PTR')), ['web.default.svc.cluster.local']);
    assert.deepEqual(data(ask(lab(), '20.0.244.10.in-addr.arpa', 'PTR')), ['web-0.nginx.default.svc.cluster.local']);
    assert.deepEqual(data(ask(lab(), '5.0.244.10.in-addr.arpa', 'PTR')), ['10-244-0-5.web.default.svc.cluster.local']);
    const miss = ask(lab(), '99.0.244.10.in-addr.arpa', 'PTR');
    assert.equal(miss.rcode, 'NXDOMAIN');
    assert.equal(miss.authorities[0]?.name, '244.10.in-addr.arpa');
  });

  it('forwards reverse names of other networks and names outside the zone, but not single labels', () => {
    const fwd = (name: string, type: RecordType = 'A') => resolve(lab(), { name, type }, OPTS).forward === true;
    assert.equal(fwd('1.0.0.127.in-addr.arpa', 'PTR'), true);
    assert.equal(fwd('example.org'), true);
    assert.equal(fwd('example.org.'), true);
    assert.equal(fwd('etcd'), false);
    assert.equal(ask(lab(), 'etcd').rcode, 'NXDOMAIN');
  });

  it('answers <a-b-c-d>.<ns>.pod.<zone> with the address (CoreDNS pods insecure)', () => {
    assert.deepEqual(data(ask(lab(), '10-244-0-9.default.pod.cluster.local')), ['10.244.0.9']);
    assert.equal(ask(lab(), '10-244-0-999.default.pod.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask(lab(), 'default.pod.cluster.local').rcode, 'NOERROR');
  });

  it('answers the apex SOA and NS, the NS host, and the schema version', () => {
    assert.equal(ask(lab(), 'cluster.local', 'SOA').answers[0]?.type, 'SOA');
    const ns = ask(lab(), 'cluster.local', 'NS');
    assert.deepEqual(data(ns), ['ns.dns.cluster.local']);
    assert.deepEqual(
      ns.additionals.map((a) => ('data' in a ? a.data : '')),
      ['10.244.128.10'],
    );
    assert.deepEqual(data(ask(lab(), 'ns.dns.cluster.local')), ['10.244.128.10']);
    assert.deepEqual(data(ask(lab(), 'dns-version.cluster.local', 'TXT')), [['1.1.0']]);
  });

  it('answers ANY with every record the name has, and refuses other classes', () => {
    assert.deepEqual(data(ask(lab(), 'web.default.svc.cluster.local', 'ANY')), ['10.244.130.7']);
    assert.equal(resolve(lab(), { name: 'version.bind', type: 'TXT', class: 'CH' }, OPTS).forward, undefined);
    assert.equal(
      (resolve(lab(), { name: 'version.bind', type: 'TXT', class: 'CH' }, OPTS) as Resolution).rcode,
      'REFUSED',
    );
  });
});
