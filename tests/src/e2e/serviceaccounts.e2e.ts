/**
 * ServiceAccounts end to end, with the real kubectl on a compose lab: every namespace gets the
 * `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap (recreated when deleted); a pod
 * gets the kube-api-access volume (token, ca.crt, namespace) unless automount is off; its token
 * authenticates as the ServiceAccount and is refused once the pod is deleted; inside a pod whose
 * ServiceAccount is bound to `view`, `kubectl` and @kubernetes/client-node (loadFromCluster) reach
 * the API through the `kubernetes` Service with the mounted token, list pods and are refused a delete.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { useE2eLab } from '../lib/e2e-lab.js';
import { waitFor } from '../lib/kubectl.js';
import { repoRoot } from '../lib/lab.js';

const NS = 'sa-e2e';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('ServiceAccounts and their tokens in pods', { timeout: 15 * 60_000 }, () => {
  const lab = useE2eLab(1);
  const sleeper = (name: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${NS}}
spec:
  terminationGracePeriodSeconds: 0${extra}
  containers:
  - {name: c, image: kubelab/busybox, command: [sleep, "3600"]}
`;
  const running = (name: string) =>
    waitFor(
      `pod ${name} Running`,
      async () =>
        (await lab.kJson<Json>(['get', 'pod', name, '-n', NS])).status?.phase === 'Running' ? true : undefined,
      120_000,
    );

  it('every namespace gets the default ServiceAccount and kube-root-ca.crt, both recreated when deleted', async () => {
    await lab.kOk(['create', 'namespace', NS]);
    const both = async () =>
      (await lab.k(['get', 'serviceaccount/default', 'configmap/kube-root-ca.crt', '-n', NS])).code === 0 || undefined;
    await waitFor('default ServiceAccount and kube-root-ca.crt', both, 30_000);
    const ca = await lab.kOk(['get', 'configmap', 'kube-root-ca.crt', '-n', NS, '-o', 'jsonpath={.data.ca\\.crt}']);
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    await lab.kOk(['delete', 'serviceaccount/default', 'configmap/kube-root-ca.crt', '-n', NS]);
    await waitFor('both recreated', both, 30_000);
  });

  it('a pod gets the kube-api-access volume; its token is the ServiceAccount and is refused once the pod is deleted', async () => {
    await lab.kOk(['apply', '-f', '-'], sleeper('holder'));
    await lab.kOk(['apply', '-f', '-'], sleeper('quiet', '\n  automountServiceAccountToken: false'));
    await running('holder');
    const pod = await lab.kJson<Json>(['get', 'pod', 'holder', '-n', NS]);
    assert.equal(pod.spec.serviceAccountName, 'default');
    const vol = pod.spec.volumes.find((v: Json) => v.name.startsWith('kube-api-access-'));
    assert.ok(vol, 'the kube-api-access volume');
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [{ name: vol.name, readOnly: true, mountPath: SA_DIR }]);
    assert.equal((await lab.kJson<Json>(['get', 'pod', 'quiet', '-n', NS])).spec.volumes, undefined);
    assert.equal((await lab.kOk(['exec', 'holder', '-n', NS, '--', 'cat', `${SA_DIR}/namespace`])).trim(), NS);
    const ca = await lab.kOk(['get', 'configmap', 'kube-root-ca.crt', '-n', NS, '-o', 'jsonpath={.data.ca\\.crt}']);
    assert.equal(await lab.kOk(['exec', 'holder', '-n', NS, '--', 'cat', `${SA_DIR}/ca.crt`]), ca);
    const token = (await lab.kOk(['exec', 'holder', '-n', NS, '--', 'cat', `${SA_DIR}/token`])).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json;
    assert.equal(claims['kubernetes.io'].pod.uid, pod.metadata.uid);
    assert.equal(claims.exp - claims.iat, 3607);
    const who = await lab.kOk(['auth', 'whoami', '--token', token, '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(who, `system:serviceaccount:${NS}:default`);
    await lab.kOk(['delete', 'pod', 'holder', '-n', NS, '--wait=true', '--timeout=60s']);
    const refused = await lab.k(['auth', 'whoami', '--token', token]);
    assert.notEqual(refused.code, 0, 'the token outlives its pod');
    assert.match(refused.stderr, /Unauthorized|must be logged in/);
  });

  it('a pod whose ServiceAccount is bound to view lists pods from inside with kubectl and client-node (loadFromCluster, the kubernetes Service) and is refused a delete', async () => {
    await lab.kOk(['create', 'serviceaccount', 'reader', '-n', NS]);
    await lab.kOk([
      'create',
      'rolebinding',
      'reader-view',
      '--clusterrole=view',
      `--serviceaccount=${NS}:reader`,
      '-n',
      NS,
    ]);
    assert.equal(
      (
        await lab.k(['auth', 'can-i', 'list', 'pods', '-n', NS, `--as=system:serviceaccount:${NS}:default`])
      ).stdout.trim(),
      'no',
      'the default ServiceAccount is bound to nothing',
    );
    const kubectlBin = realpathSync(
      (await import('node:child_process'))
        .execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' })
        .trim(),
    );
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ${NS}}
spec:
  restartPolicy: Never
  serviceAccountName: reader
  volumes:
  - {name: repo, hostPath: {path: ${repoRoot.replace(/\/$/, '')}}}
  - {name: kubectl, hostPath: {path: ${kubectlBin}, type: File}}
  containers:
  - name: c
    image: kubelab/echo
    env: [{name: HOME, value: /tmp}, {name: VICTIM, value: quiet}]
    volumeMounts: [{name: repo, mountPath: /repo, readOnly: true}, {name: kubectl, mountPath: /usr/local/bin/kubectl, readOnly: true}]
    command: [sh, -c, 'kubectl auth whoami -o jsonpath="{.status.userInfo.username}"; echo; kubectl get pod quiet -o name; kubectl delete pod quiet 2>&1 | tail -1; node /repo/tests/dist/e2e/testing/incluster-client.js']
`;
    await lab.kOk(['apply', '-f', '-'], manifest);
    await waitFor(
      'client done',
      async () =>
        ['Succeeded', 'Failed'].includes((await lab.kJson<Json>(['get', 'pod', 'client', '-n', NS])).status?.phase)
          ? true
          : undefined,
      120_000,
    );
    const lines = (await lab.kOk(['logs', 'client', '-n', NS])).trim().split('\n');
    const who = `system:serviceaccount:${NS}:reader`;
    assert.equal(lines[0], who, lines.join('\n'));
    assert.equal(lines[1], 'pod/quiet');
    assert.equal(
      lines[2],
      `Error from server (Forbidden): pods "quiet" is forbidden: User "${who}" cannot delete resource "pods" in API group "" in the namespace "${NS}"`,
    );
    const out = JSON.parse(lines[lines.length - 1] ?? '{}') as Json;
    assert.match(out.server, /^https:\/\/10\.\d+\.128\.1:443$/);
    assert.equal(out.user, who);
    assert.ok(out.list >= 2, `client-node listed ${out.list} pods`);
    assert.equal(out.del, 403);
    assert.equal((await lab.kJson<Json>(['get', 'pod', 'quiet', '-n', NS])).metadata.name, 'quiet', 'still there');
  });
});
