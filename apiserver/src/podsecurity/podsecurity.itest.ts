/**
 * Integration test: Pod Security admission on a real apiserver (etcd, HTTPS) with the real
 * kubectl, as the Pod Security tutorials run it: a `restricted` namespace refuses a privileged pod
 * with upstream's message, `warn` mode prints kubectl's `Warning:` line (for pods and for a
 * Deployment's template), and labelling a namespace warns about the pods already violating it.
 * Loopback only. Run with `node --test apiserver/dist/podsecurity/podsecurity.itest.js`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findKubectl, runIn } from '../rest/testing/harness.js';
import { SecureCluster } from '../auth/testing/secure-cluster.js';

const KUBECTL = findKubectl('kubectl');
const PRIVILEGED = (ns: string) => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ${ns}}
spec:
  containers:
  - name: c
    image: busybox
    securityContext: {privileged: true}
`;
const RESTRICTED_REASONS =
  'privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

describe('Pod Security admission with the real kubectl', { skip: !KUBECTL }, () => {
  const c = new SecureCluster();
  const kubectl = (...args: string[]) => runIn(c.dir, KUBECTL!, args);
  const file = (name: string, text: string): string => {
    writeFileSync(join(c.dir, name), text);
    return name;
  };
  before(async () => {
    await c.start();
    c.kubeconfig('kubeconfig', {});
  });
  after(() => c.stop());

  it("a restricted namespace refuses a privileged pod with upstream's message", async () => {
    assert.equal((await kubectl('create', 'namespace', 'locked')).code, 0);
    const label = await kubectl('label', 'namespace', 'locked', 'pod-security.kubernetes.io/enforce=restricted');
    assert.equal(label.code, 0, label.stderr);
    const r = await kubectl('apply', '-f', file('x.yaml', PRIVILEGED('locked')));
    assert.notEqual(r.code, 0);
    assert.equal(
      r.stderr.trim(),
      `Error from server (Forbidden): error when creating "x.yaml": pods "p" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_REASONS}`,
    );
  });

  it('warn mode lets the pod in and kubectl prints the warning, for pods and Deployments', async () => {
    assert.equal((await kubectl('create', 'namespace', 'warned')).code, 0);
    assert.equal(
      (
        await kubectl(
          'label',
          'namespace',
          'warned',
          'pod-security.kubernetes.io/warn=baseline',
          'pod-security.kubernetes.io/warn-version=v1.30',
        )
      ).code,
      0,
    );
    const r = await kubectl('apply', '-f', file('w.yaml', PRIVILEGED('warned')));
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^Warning: would violate PodSecurity "baseline:v1\.30": privileged \(container "c" must not set securityContext\.privileged=true\)$/m,
    );
    const d = await kubectl(
      'create',
      'deployment',
      'web',
      '-n',
      'warned',
      '--image',
      'busybox',
      '--port',
      '80',
      '--dry-run=client',
      '-o',
      'yaml',
    );
    const withHostPort = d.stdout.replace('- containerPort: 80', '- containerPort: 80\n          hostPort: 8080');
    const dep = await kubectl('apply', '-f', file('d.yaml', withHostPort));
    assert.equal(dep.code, 0, dep.stderr);
    assert.match(
      dep.stderr,
      /^Warning: would violate PodSecurity "baseline:v1\.30": hostPort \(container "busybox" uses hostPort 8080\)$/m,
    );
  });

  it('labelling a namespace warns about the existing pods that violate the new level; an invalid level is refused', async () => {
    const r = await kubectl('label', 'namespace', 'warned', 'pod-security.kubernetes.io/enforce=baseline');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Warning: existing pods in namespace "warned" violate the new PodSecurity enforce level "baseline:latest"/,
    );
    assert.match(r.stderr, /Warning: p: privileged/);
    const bad = await kubectl('label', 'namespace', 'warned', 'pod-security.kubernetes.io/audit=strict');
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /metadata\.labels\[pod-security\.kubernetes\.io\/audit\]: Invalid value: "strict": must be one of privileged, baseline, restricted/,
    );
  });
});
