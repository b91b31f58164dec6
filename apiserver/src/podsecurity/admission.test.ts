import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { admittingRegistry } from '../auth/admission.js';
import { ADMIN_USER } from '../auth/user.js';
import { newRegistry, pod } from '../registry/testing.js';
import { podSecurityAdmission } from './admission.js';

const privileged = (name: string) =>
  pod(name, {}, { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] });

async function setup(labels: Record<string, string>) {
  const { registry } = await newRegistry();
  await registry.create('namespaces', '', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'locked', labels },
  });
  const warnings: string[] = [];
  const r = admittingRegistry(registry, ADMIN_USER, [podSecurityAdmission(pino({ level: 'silent' }))], (w) =>
    warnings.push(w),
  );
  return { registry, r, warnings };
}

test('enforce refuses a violating pod with upstream message; warn warns for pods and workload templates', async () => {
  const { r, warnings } = await setup({
    'pod-security.kubernetes.io/enforce': 'baseline',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/warn-version': 'v1.30',
  });
  await assert.rejects(r.create('pods', 'locked', privileged('p')), {
    message:
      'pods "p" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
  });
  await r.create('pods', 'locked', pod('plain'));
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0]!,
    /^would violate PodSecurity "restricted:v1.30": allowPrivilegeEscalation != false \(container "c" must set/,
  );
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: privileged('x').spec },
    },
  };
  await r.create('deployments', 'locked', deploy as never);
  assert.match(
    warnings[1]!,
    /^would violate PodSecurity "restricted:v1.30": privileged \(container "c"/,
    'a workload is warned about, not refused',
  );
});

test('a namespace label change warns about the existing pods that violate the new enforce level; invalid labels are refused', async () => {
  const { registry, r, warnings } = await setup({});
  for (const n of ['a', 'b']) await r.create('pods', 'locked', privileged(n));
  await r.create('pods', 'locked', pod('ok', {}, { hostNetwork: true }));
  const ns = await registry.get('namespaces', '', 'locked');
  await r.update('namespaces', '', 'locked', {
    ...ns,
    metadata: { ...ns.metadata, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } },
  });
  assert.deepEqual(warnings, [
    'existing pods in namespace "locked" violate the new PodSecurity enforce level "baseline:latest"',
    'a (and 1 other pod): privileged',
    'ok: host namespaces',
  ]);
  await assert.rejects(
    r.create('namespaces', '', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'bad', labels: { 'pod-security.kubernetes.io/warn': 'nope' } },
    }),
    /Namespace "bad" is invalid: metadata.labels\[pod-security.kubernetes.io\/warn\]: Invalid value: "nope"/,
  );
});

test('updates that leave the pod spec or the template alone are not evaluated', async () => {
  const { registry, r, warnings } = await setup({ 'pod-security.kubernetes.io/warn': 'baseline' });
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: privileged('x').spec },
    },
  };
  await r.create('deployments', 'locked', deploy as never);
  assert.equal(warnings.length, 1);
  const cur = await registry.get('deployments', 'locked', 'd');
  await r.update('deployments', 'locked', 'd', { ...cur, spec: { ...(cur.spec as object), replicas: 3 } } as never);
  assert.equal(warnings.length, 1, 'a scale is not a template change');
});
