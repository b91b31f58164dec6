import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { harness, HOST_IP, NODE } from '../testing/harness.js';
import { makePod } from '../testing/fakes.js';

describe('env in the pod lifecycle', () => {
  it('waits with CreateContainerConfigError until the ConfigMap exists, then starts with the resolved env', async () => {
    const h = harness({ crashBaseMs: 10_000 });
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          {
            name: 'app',
            image: 'img:1',
            command: ['sh', '-c', 'echo $(GREETING) from $(POD_IP)'],
            env: [
              { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
            ],
          },
        ],
      }),
    );
    await h.sync(pod);
    assert.equal(h.runtime.count('create'), 0);
    const cs = h.get(pod)?.status?.containerStatuses?.[0];
    assert.deepEqual(cs?.state.waiting, {
      reason: 'CreateContainerConfigError',
      message: 'configmap "settings" not found',
    });
    assert.equal(h.get(pod)?.status?.phase, 'Pending');
    await h.sync(pod);
    assert.equal(
      h.events.lines().filter((l) => l === 'Warning Failed Error: configmap "settings" not found').length,
      1,
      'reported once',
    );

    await h.api.seed<KubeObject & { data: Record<string, string> }>('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
      data: { greeting: 'hello' },
    });
    await h.sync(pod);
    const app = h.runtime.podContainers(pod.metadata.uid!, 'app')[0]!;
    assert.equal(app.state, 'running');
    const ip = h.get(pod)!.status!.podIP!;
    const opts = h.runtime.createOptions.get(app.id)!;
    assert.deepEqual(opts.Env?.slice(0, 3), ['GREETING=hello', `POD_IP=${ip}`, `NODE_IP=${HOST_IP}`]);
    assert.deepEqual(opts.Entrypoint, ['sh', '-c', `echo hello from ${ip}`]);
    await h.sync(pod);
    assert.equal(h.runtime.count('create'), 1, 'the resolved env does not look like a spec change');
  });

  it('gives containers the kubernetes service address', async () => {
    const h = harness();
    await h.api.seed('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default' },
      spec: { clusterIP: '10.244.128.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
    });
    await h.api.seed('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { clusterIP: '10.244.128.20', ports: [{ port: 80, protocol: 'TCP' }] },
    });
    const pod = await h.add(makePod('client', NODE));
    await h.sync(pod);
    const app = h.runtime.podContainers(pod.metadata.uid!, 'app')[0]!;
    const env = h.runtime.createOptions.get(app.id)!.Env ?? [];
    assert.ok(env.includes('KUBERNETES_SERVICE_HOST=10.244.128.1'));
    assert.ok(env.includes('KUBERNETES_SERVICE_PORT=443'));
    assert.ok(env.includes('WEB_SERVICE_HOST=10.244.128.20'));
    assert.ok(env.includes('WEB_SERVICE_PORT=80'));
  });
});
