import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index.js';
import { fieldErrorString } from './errors.js';
import { validateObject } from './index.js';

const pod = (spec: Record<string, unknown>) =>
  applyDefaults('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  });
const errors = (spec: Record<string, unknown>): string[] => validateObject('pods', pod(spec)).map(fieldErrorString);

describe('pod validation: DNS fields', () => {
  it('accepts upstream’s examples', () => {
    assert.deepEqual(
      errors({
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['192.0.2.1'],
          searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix.'],
          options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
        },
      }),
      [],
    );
    assert.deepEqual(
      errors({
        hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }],
        hostname: 'web-0',
        subdomain: 'nginx',
      }),
      [],
    );
  });

  it('dnsPolicy None needs dnsConfig with a nameserver', () => {
    assert.deepEqual(errors({ dnsPolicy: 'None' }), [
      'spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None',
    ]);
    assert.deepEqual(errors({ dnsPolicy: 'None', dnsConfig: {} }), [
      'spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None',
    ]);
  });

  it('checks nameservers, searches and options with upstream’s messages', () => {
    const errs = errors({
      dnsConfig: {
        nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', 'dns.example'],
        searches: ['Bad_Domain'],
        options: [{ value: '1' }],
      },
    });
    assert.equal(
      errs[0],
      'spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "dns.example"}: must not have more than 3 nameservers',
    );
    assert.equal(
      errs[1],
      'spec.dnsConfig.nameservers[3]: Invalid value: "dns.example": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    );
    assert.match(
      errs[2]!,
      /^spec\.dnsConfig\.searches\[0\]: Invalid value: "Bad_Domain": a lowercase RFC 1123 subdomain/,
    );
    assert.equal(errs[3], 'spec.dnsConfig.options[0]: Required value: must not be empty');
    assert.match(
      errors({ dnsConfig: { searches: Array.from({ length: 33 }, (_, i) => `s${i}.example`) } })[0]!,
      /must not have more than 32 search paths$/,
    );
  });

  it('checks hostAliases and subdomain', () => {
    assert.deepEqual(
      errors({ hostAliases: [{ hostnames: ['a'] }, { ip: '999.1.1.1', hostnames: ['Foo'] }], subdomain: 'a.b' }),
      [
        'spec.hostAliases[0].ip: Required value',
        'spec.hostAliases[1].ip: Invalid value: "999.1.1.1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        "spec.hostAliases[1].hostnames[0]: Invalid value: \"Foo\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        "spec.subdomain: Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    );
  });
});
