import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from '@kubelab/api';
import { makePod } from '../testing/fakes.js';
import { containerHash, podHostname, pullPolicyOf } from '../podspec.js';
import { appCreateOptions, commandLine, envList, mountConfig, resourceConfig } from './containerspec.js';
import { dockerName } from './dockerspec.js';
import { pauseCreateOptions } from './sandboxspec.js';

const c = (extra: Partial<Container> = {}): Container => ({ name: 'app', image: 'img:1', ...extra });

describe('docker create options', () => {
  it('command replaces ENTRYPOINT (and drops CMD), args replace CMD', () => {
    assert.deepEqual(commandLine(c()), {});
    assert.deepEqual(commandLine(c({ command: ['sh', '-c'], args: ['echo hi'] })), {
      Entrypoint: ['sh', '-c'],
      Cmd: ['echo hi'],
    });
    assert.deepEqual(commandLine(c({ command: ['httpd'] })), { Entrypoint: ['httpd'], Cmd: [] });
    assert.deepEqual(commandLine(c({ args: ['--port', '80'] })), { Cmd: ['--port', '80'] });
    assert.deepEqual(commandLine(c({ command: [], args: [] })), {});
  });

  it('mounts: volumes as Mounts, host paths as Binds, a path with a colon as a bind Mount', () => {
    assert.deepEqual(mountConfig([]), {});
    assert.deepEqual(
      mountConfig([
        { type: 'volume', source: 'kubelab-u-data', target: '/data', readOnly: false },
        { type: 'bind', source: '/var/lib/docker/volumes/kubelab-u-data/_data/sub', target: '/sub', readOnly: true },
        { type: 'bind', source: '/srv/a:b', target: '/odd', readOnly: false },
      ]),
      {
        Mounts: [
          { Type: 'volume', Source: 'kubelab-u-data', Target: '/data', ReadOnly: false },
          { Type: 'bind', Source: '/srv/a:b', Target: '/odd', ReadOnly: false },
        ],
        Binds: ['/var/lib/docker/volumes/kubelab-u-data/_data/sub:/sub:ro'],
      },
    );
  });

  it('env: literal values only, empty when unset', () => {
    assert.deepEqual(
      envList(c({ env: [{ name: 'A', value: '1' }, { name: 'B' }, { name: 'C', valueFrom: { fieldRef: {} } }] })),
      ['A=1', 'B='],
    );
  });

  it('limits and requests become Memory, NanoCpus and CpuShares', () => {
    assert.deepEqual(resourceConfig(c()), {});
    assert.deepEqual(
      resourceConfig(c({ resources: { limits: { memory: '128Mi', cpu: '500m' }, requests: { cpu: '250m' } } })),
      {
        Memory: 134217728,
        NanoCpus: 500_000_000,
        CpuShares: 256,
      },
    );
    assert.deepEqual(resourceConfig(c({ resources: { limits: { cpu: '2' } } })), { NanoCpus: 2e9, CpuShares: 2048 });
  });

  it('names and labels identify pod, container and restart', () => {
    const pod = makePod('web-1', 'node-a');
    pod.metadata.uid = '9f0e1d2c-aaaa-bbbb-cccc-000000000001';
    assert.equal(dockerName(pod, 'app', 3), 'k8s_app_web-1_default_9f0e1d2c_3');
    const o = appCreateOptions(pod, c({ workingDir: '/srv' }), {
      cluster: 'lab',
      node: 'node-a',
      sandboxId: 'abc',
      restartCount: 3,
    });
    assert.equal(o.name, 'k8s_app_web-1_default_9f0e1d2c_3');
    assert.equal(o.HostConfig?.NetworkMode, 'container:abc');
    assert.equal(o.WorkingDir, '/srv');
    assert.equal(o.Tty, false);
    assert.equal(o.Hostname, undefined, 'the hostname comes from the sandbox');
    assert.deepEqual(o.Labels, {
      'io.kubelab.cluster': 'lab',
      'io.kubelab.node': 'node-a',
      'io.kubernetes.pod.uid': pod.metadata.uid,
      'io.kubernetes.pod.namespace': 'default',
      'io.kubernetes.pod.name': 'web-1',
      'io.kubernetes.container.name': 'app',
      'io.kubelab.restart-count': '3',
      'io.kubernetes.pod.terminationGracePeriod': '30',
      'io.kubelab.container-hash': containerHash(c({ workingDir: '/srv' })),
    });
  });

  it('the sandbox joins the cluster network under the pod hostname', () => {
    const pod = makePod('x'.repeat(70), 'n');
    const o = pauseCreateOptions(pod, {
      cluster: 'lab',
      node: 'n',
      network: 'kubelab',
      image: 'pause:1',
      command: ['sleep', '2147483647'],
      attempt: 2,
    });
    assert.equal(o.HostConfig?.NetworkMode, 'kubelab');
    assert.deepEqual(Object.keys(o.NetworkingConfig?.EndpointsConfig ?? {}), ['kubelab']);
    assert.equal(o.Hostname, 'x'.repeat(63));
    assert.deepEqual(o.Entrypoint, ['sleep', '2147483647']);
    assert.equal(o.Labels?.['io.kubernetes.container.name'], 'POD');
    assert.equal(o.Labels?.['io.kubelab.restart-count'], '2');
    assert.match(o.name ?? '', /^k8s_POD_x+_default_\w+_2$/);
    assert.equal(podHostname(makePod('p', 'n', { hostname: 'custom' })), 'custom');
  });

  it('the spec hash changes with the spec, not with key order', () => {
    assert.equal(containerHash({ name: 'a', image: 'i:1' }), containerHash({ image: 'i:1', name: 'a' }));
    assert.notEqual(containerHash({ name: 'a', image: 'i:1' }), containerHash({ name: 'a', image: 'i:2' }));
  });

  it('pull policy: explicit, else Always for latest/untagged', () => {
    assert.equal(pullPolicyOf(c({ image: 'nginx' })), 'Always');
    assert.equal(pullPolicyOf(c({ image: 'nginx:latest' })), 'Always');
    assert.equal(pullPolicyOf(c({ image: 'reg:5000/nginx:1.25' })), 'IfNotPresent');
    assert.equal(pullPolicyOf(c({ image: 'nginx', imagePullPolicy: 'Never' })), 'Never');
  });
});
