import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatCidr } from '@kubelab/api';
import { loadConfig } from './config.js';
import { configMapUpstreams, parseUpstream, resolvConfNameservers, upstreamsFor } from './upstreams.js';

const cm = (data: Record<string, string>) => ({ metadata: { name: 'kube-dns', namespace: 'kube-system' }, data });

describe('upstream resolvers', () => {
  it('reads ip and ip:port, and the IPv4 nameservers of a resolv.conf', () => {
    assert.deepEqual(parseUpstream('10.0.0.2'), { host: '10.0.0.2', port: 53 });
    assert.deepEqual(parseUpstream('10.0.0.2:5353'), { host: '10.0.0.2', port: 5353 });
    assert.equal(parseUpstream('dns.example'), undefined);
    assert.equal(parseUpstream('10.0.0.2:0'), undefined);
    assert.deepEqual(resolvConfNameservers('nameserver 127.0.0.11\nnameserver ::1\noptions ndots:0\n'), [
      { host: '127.0.0.11', port: 53 },
    ]);
  });

  it('reads kube-dns’s ConfigMap keys, naming what is wrong and keeping the rest', () => {
    const ok = configMapUpstreams(
      cm({ upstreamNameservers: '["10.0.0.2", "10.0.0.3:5353"]', stubDomains: '{"Corp.Example": ["10.1.0.1"]}' }),
    );
    assert.deepEqual(ok.upstreams, [
      { host: '10.0.0.2', port: 53 },
      { host: '10.0.0.3', port: 5353 },
    ]);
    assert.deepEqual([...ok.stubDomains], [['corp.example', [{ host: '10.1.0.1', port: 53 }]]]);
    assert.deepEqual(ok.errors, []);
    const bad = configMapUpstreams(cm({ upstreamNameservers: '["10.0.0.2", "x"]', stubDomains: '[1]' }));
    assert.deepEqual(bad.upstreams, [{ host: '10.0.0.2', port: 53 }]);
    assert.deepEqual(bad.errors, [
      'data.upstreamNameservers[1]: Invalid value: "x": must be an IPv4 address, optionally with :port',
      'data.stubDomains: Invalid value: must be a JSON object of domain → array of addresses',
    ]);
    assert.deepEqual(configMapUpstreams(cm({ upstreamNameservers: '[' })).errors, [
      'data.upstreamNameservers: Invalid value: must be JSON',
    ]);
    assert.deepEqual(configMapUpstreams(undefined).upstreams, []);
  });

  it('sends a name to its longest stub domain, else the ConfigMap’s upstreams, else the fallback', () => {
    const cfg = configMapUpstreams(
      cm({ upstreamNameservers: '["10.0.0.2"]', stubDomains: '{"example": ["10.1.0.1"], "a.example": ["10.1.0.2"]}' }),
    );
    const fallback = [{ host: '127.0.0.11', port: 53 }];
    assert.deepEqual(upstreamsFor('x.a.example', cfg, fallback), [{ host: '10.1.0.2', port: 53 }]);
    assert.deepEqual(upstreamsFor('b.example', cfg, fallback), [{ host: '10.1.0.1', port: 53 }]);
    assert.deepEqual(upstreamsFor('other.org', cfg, fallback), [{ host: '10.0.0.2', port: 53 }]);
    assert.deepEqual(upstreamsFor('other.org', configMapUpstreams(undefined), fallback), fallback);
  });
});

describe('cluster-dns config', () => {
  it('defaults to port 53, cluster.local, the resolv.conf’s nameservers, and the default networks', () => {
    const c = loadConfig({}, () => 'nameserver 127.0.0.11\n');
    assert.equal(c.port, 53);
    assert.equal(c.domain, 'cluster.local');
    assert.deepEqual(c.upstreams, [{ host: '127.0.0.11', port: 53 }]);
    assert.deepEqual(c.reverseCidrs.map(formatCidr), ['10.244.0.0/16', '10.244.128.0/17']);
    assert.equal(c.dnsService, 'kube-system/kube-dns');
  });

  it('takes KUBELAB_DNS_UPSTREAM (none: nowhere) and says what is wrong with a bad value', () => {
    assert.deepEqual(loadConfig({ KUBELAB_DNS_UPSTREAM: '10.0.0.9:5353, 10.0.0.8' }, () => '').upstreams, [
      { host: '10.0.0.9', port: 5353 },
      { host: '10.0.0.8', port: 53 },
    ]);
    assert.deepEqual(loadConfig({ KUBELAB_DNS_UPSTREAM: 'none' }, () => 'nameserver 127.0.0.11\n').upstreams, []);
    assert.throws(
      () => loadConfig({ KUBELAB_DNS_UPSTREAM: 'resolver' }, () => ''),
      /KUBELAB_DNS_UPSTREAM: Invalid value: "resolver"/,
    );
    assert.throws(
      () => loadConfig({ KUBELAB_DNS_PORT: '70000' }, () => ''),
      /KUBELAB_DNS_PORT: Invalid value: "70000": must be an integer from 0 to 65535/,
    );
    assert.throws(
      () => loadConfig({ KUBELAB_CLUSTER_SUBNET: '10.0.0.0' }, () => ''),
      /KUBELAB_CLUSTER_SUBNET: Invalid value/,
    );
  });
});
