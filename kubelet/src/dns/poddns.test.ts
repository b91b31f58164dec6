import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makePod } from '../testing/fakes.js';
import { pauseCommandLine, pauseCreateOptions } from '../runtime/sandboxspec.js';
import {
  dnsSettingsFromEnv,
  hostsOptions,
  parseResolvConf,
  podResolverConfig,
  resolvConfText,
  type DnsSettings,
} from './poddns.js';

const NODE_RESOLV = 'nameserver 127.0.0.11\nsearch corp.example\noptions ndots:0 timeout:2\n';
const settings: DnsSettings = {
  clusterDNS: ['10.244.128.10'],
  clusterDomain: 'cluster.local',
  node: parseResolvConf(NODE_RESOLV),
};

describe('pod DNS: resolv.conf as upstream forms it', () => {
  it('ClusterFirst (the default): the cluster DNS, the namespace search path then the node’s, ndots:5', () => {
    const pod = makePod('p', 'n', {}, { namespace: 'shop' });
    assert.equal(
      resolvConfText(podResolverConfig(pod, settings)!),
      'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.244.128.10\noptions ndots:5\n',
    );
    assert.deepEqual(
      podResolverConfig(makePod('p', 'n', { dnsPolicy: 'ClusterFirstWithHostNet' }), settings)?.nameservers,
      ['10.244.128.10'],
    );
  });

  it('Default: the node’s resolver, left as Docker makes it unless dnsConfig adds to it', () => {
    assert.equal(podResolverConfig(makePod('p', 'n', { dnsPolicy: 'Default' }), settings), undefined);
    const merged = podResolverConfig(
      makePod('p', 'n', {
        dnsPolicy: 'Default',
        dnsConfig: { searches: ['a.example'], options: [{ name: 'ndots', value: '2' }] },
      }),
      settings,
    );
    assert.deepEqual(merged, {
      nameservers: ['127.0.0.11'],
      searches: ['corp.example', 'a.example'],
      options: ['ndots:2', 'timeout:2'],
    });
  });

  it('ClusterFirst without a cluster DNS address falls back to Default', () => {
    assert.equal(podResolverConfig(makePod('p', 'n'), { ...settings, clusterDNS: [] }), undefined);
  });

  it('None: only dnsConfig, merged as upstream (duplicates dropped, options by name, the pod’s value last)', () => {
    const pod = makePod('p', 'n', {
      dnsPolicy: 'None',
      dnsConfig: {
        nameservers: ['192.0.2.53', '192.0.2.53'],
        searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'],
        options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
      },
    });
    assert.equal(
      resolvConfText(podResolverConfig(pod, settings)!),
      'search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 192.0.2.53\noptions ndots:2 edns0\n',
    );
  });

  it('ClusterFirst with dnsConfig appends to the cluster settings, the pod’s options overriding', () => {
    const pod = makePod('p', 'n', {
      dnsConfig: {
        nameservers: ['192.0.2.1'],
        searches: ['cluster.local', 'x.example'],
        options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }],
      },
    });
    assert.deepEqual(podResolverConfig(pod, settings), {
      nameservers: ['10.244.128.10', '192.0.2.1'],
      searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'x.example'],
      options: ['ndots:1', 'single-request'],
    });
  });

  it('cuts to the resolver limits: 3 nameservers, 32 search paths, 2048 characters', () => {
    const many = Array.from({ length: 40 }, (_, i) => `s${i}.example`);
    const c = podResolverConfig(
      makePod('p', 'n', {
        dnsPolicy: 'None',
        dnsConfig: { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'], searches: many },
      }),
      settings,
    )!;
    assert.deepEqual(c.nameservers, ['1.1.1.1', '1.1.1.2', '1.1.1.3']);
    assert.equal(c.searches.length, 32);
    const long = Array.from({ length: 20 }, (_, i) => `${'x'.repeat(200)}${i}.example`);
    const d = podResolverConfig(
      makePod('p', 'n', { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: long } }),
      settings,
    )!;
    assert.ok(d.searches.join(' ').length <= 2048 && d.searches.length === 9, `${d.searches.length}`);
  });

  it('reads the node’s resolv.conf: nameservers, the last search line, options; comments ignored', () => {
    assert.deepEqual(
      parseResolvConf(
        '# generated\nnameserver 10.0.0.2\nnameserver 10.0.0.3 ; x\nsearch a b\nsearch c\noptions ndots:1\n',
      ),
      { nameservers: ['10.0.0.2', '10.0.0.3'], searches: ['c'], options: ['ndots:1'] },
    );
  });

  it('takes the cluster DNS address from the service CIDR, KUBELAB_CLUSTER_DNS, or none', () => {
    assert.deepEqual(dnsSettingsFromEnv({ KUBELAB_SERVICE_CIDR: '10.251.128.0/17' }, '').clusterDNS, ['10.251.128.10']);
    assert.deepEqual(dnsSettingsFromEnv({}, '').clusterDNS, ['10.244.128.10']);
    assert.deepEqual(dnsSettingsFromEnv({ KUBELAB_CLUSTER_DNS: '10.0.0.10, 10.0.0.11' }, '').clusterDNS, [
      '10.0.0.10',
      '10.0.0.11',
    ]);
    assert.deepEqual(dnsSettingsFromEnv({ KUBELAB_CLUSTER_DNS: 'none' }, '').clusterDNS, []);
    assert.throws(
      () => dnsSettingsFromEnv({ KUBELAB_CLUSTER_DNS: 'dns.example' }, ''),
      /KUBELAB_CLUSTER_DNS: Invalid value: "dns.example"/,
    );
    assert.equal(dnsSettingsFromEnv({ KUBELAB_CLUSTER_DOMAIN: 'lab.local' }, '').clusterDomain, 'lab.local');
  });
});

describe('pod DNS: /etc/hosts through the sandbox', () => {
  it('hostAliases become ExtraHosts, a subdomain the domain of the pod’s own line', () => {
    const pod = makePod('web-0', 'n', {
      hostname: 'web-0',
      subdomain: 'nginx',
      hostAliases: [
        { ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] },
        { ip: '10.1.2.3', hostnames: ['foo.remote'] },
      ],
    });
    assert.deepEqual(hostsOptions(pod, 'cluster.local'), {
      ExtraHosts: ['foo.local:127.0.0.1', 'bar.local:127.0.0.1', 'foo.remote:10.1.2.3'],
      Domainname: 'nginx.default.svc.cluster.local',
    });
    assert.deepEqual(hostsOptions(makePod('p', 'n'), 'cluster.local'), {});
    const opts = pauseCreateOptions(pod, {
      cluster: 'c',
      node: 'n',
      network: 'net',
      image: 'pause',
      command: ['sleep', '1'],
      attempt: 0,
      clusterDomain: 'cluster.local',
    });
    assert.equal(opts.Hostname, 'web-0');
    assert.equal(opts.Domainname, 'nginx.default.svc.cluster.local');
    assert.deepEqual(opts.HostConfig?.ExtraHosts, [
      'foo.local:127.0.0.1',
      'bar.local:127.0.0.1',
      'foo.remote:10.1.2.3',
    ]);
  });
});

describe('pod DNS: the sandbox writes its resolv.conf before it pauses', () => {
  it('wraps the pause command in a shell that writes the file, then its marker, then execs the command', () => {
    assert.deepEqual(pauseCommandLine(['sleep', '9'], undefined), ['sleep', '9']);
    const line = pauseCommandLine(['sleep', '9'], 'nameserver 10.0.0.10\n');
    assert.deepEqual(line.slice(3), ['nameserver 10.0.0.10\n', 'sleep', '9']);
    assert.equal(line[2], `printf '%s' "$0" > /etc/resolv.conf && : > /etc/.kubelab-resolv-written && exec "$@"`);
    const opts = pauseCreateOptions(makePod('p', 'n'), {
      cluster: 'c',
      node: 'n',
      network: 'net',
      image: 'pause',
      command: ['sleep', '9'],
      attempt: 0,
      resolvConf: 'x',
    });
    assert.deepEqual(opts.Entrypoint, pauseCommandLine(['sleep', '9'], 'x'));
  });
});
