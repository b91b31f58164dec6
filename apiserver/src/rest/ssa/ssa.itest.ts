/**
 * Integration test: server-side apply with the real kubectl (1.27, 1.33) against the REST facade
 * over an in-memory registry. Run with `node --test apiserver/dist/rest/ssa/ssa.itest.js`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findKubectl, TestCluster } from '../testing/harness.js';

const manifest = (name: string, replicas: number, labels: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {${labels}}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports: [{containerPort: 80}]
`;

for (const version of ['1.27', '1.33']) {
  const bin = findKubectl(`kubectl.${version}`);
  describe(`kubectl ${version} server-side apply`, { skip: bin ? false : `kubectl.${version} not found` }, () => {
    const c = new TestCluster();
    before(() => c.start());
    after(() => c.stop());
    const k = (args: string[]) => c.run(bin!, args);

    test('create, drop a label, scale conflict, force', async () => {
      const f = c.file('d.yaml', manifest('ssa', 2, 'app: ssa, tier: fe'));
      let r = await k(['apply', '--server-side', '-f', f]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'deployment.apps/ssa serverside-applied');
      r = await k([
        'get',
        'deploy',
        'ssa',
        '-o',
        'jsonpath={.metadata.managedFields[0].manager}/{.metadata.managedFields[0].operation}',
      ]);
      assert.equal(r.stdout, 'kubectl/Apply');

      const g = c.file('d2.yaml', manifest('ssa', 2, 'app: ssa'));
      r = await k(['apply', '--server-side', '-f', g]);
      assert.equal(r.code, 0, r.stderr);
      r = await k(['get', 'deploy', 'ssa', '-o', 'jsonpath={.metadata.labels}']);
      assert.deepEqual(JSON.parse(r.stdout), { app: 'ssa' }, 'the label no longer applied is gone');

      r = await k(['scale', 'deploy', 'ssa', '--replicas=5']);
      assert.equal(r.code, 0, r.stderr);
      const h = c.file('d3.yaml', manifest('ssa', 3, 'app: ssa'));
      r = await k(['apply', '--server-side', '-f', h]);
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /Apply failed with 1 conflict: conflict with "kubectl\.1\.\d+" with subresource "scale" using apps\/v1: \.spec\.replicas/,
      );
      r = await k(['apply', '--server-side', '--force-conflicts', '-f', h]);
      assert.equal(r.code, 0, r.stderr);
      r = await k(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}']);
      assert.equal(r.stdout, '3');
    });

    test('an object made by client-side apply: the conflict names kubectl-client-side-apply', async () => {
      const f = c.file('csa.yaml', manifest('csa', 2, 'app: csa'));
      let r = await k(['apply', '-f', f]);
      assert.equal(r.code, 0, r.stderr);
      const g = c.file('csa2.yaml', manifest('csa', 4, 'app: csa'));
      r = await k(['apply', '--server-side', '-f', g]);
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.replicas/,
      );
      r = await k(['apply', '--server-side', '-f', c.file('csa3.yaml', manifest('csa', 2, 'app: csa, extra: z'))]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'deployment.apps/csa serverside-applied');
    });
  });
}
