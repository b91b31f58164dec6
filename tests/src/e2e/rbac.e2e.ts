/**
 * RBAC end to end on a lab with the real kubectl: `kubelab user add` makes a user whose context
 * lists pods in one namespace once a Role and RoleBinding say so, and nothing else (200 and
 * upstream's 403); the "Using RBAC Authorization" and CSR tutorial flow typed as written (openssl
 * key and CSR, kubectl apply of the CertificateSigningRequest, certificate approve, the
 * certificate from its status, set-credentials/set-context); a ClusterRole aggregated by label;
 * escalation refused; the components keep running a pod under the bootstrap roles.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, waitFor } from '../lib/kubectl.js';
import { useE2eLab } from '../lib/e2e-lab.js';
import { kubeconfigName } from '@kubelab/cli/kubeconfig';
import { E2E_ENV, repoRoot } from '../lib/lab.js';

const READ_PODS = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  namespace: default
  name: pod-reader
rules:
- apiGroups: [""] # "" indicates the core API group
  resources: ["pods"]
  verbs: ["get", "watch", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
  namespace: default
subjects:
- kind: User
  name: jane
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
`;

const MONITORING = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring
aggregationRule:
  clusterRoleSelectors:
  - matchLabels:
      rbac.example.com/aggregate-to-monitoring: "true"
rules: [] # The control plane automatically fills in the rules
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-endpoints
  labels:
    rbac.example.com/aggregate-to-monitoring: "true"
rules:
- apiGroups: [""]
  resources: ["services", "endpointslices", "pods"]
  verbs: ["get", "list", "watch"]
`;

/** The CSR tutorial (docs/reference/access-authn-authz/certificate-signing-requests, "normal user"), as typed. */
const TUTORIAL = `set -e
openssl genrsa -out myuser.key 2048
openssl req -new -key myuser.key -out myuser.csr -subj "/CN=myuser"
cat <<EOF | kubectl apply -f -
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: myuser
spec:
  request: $(cat myuser.csr | base64 | tr -d "\\n")
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: 86400  # one day
  usages:
  - client auth
EOF
kubectl get csr
kubectl certificate approve myuser
until [ -n "$(kubectl get csr myuser -o jsonpath='{.status.certificate}')" ]; do sleep 0.2; done
kubectl get csr myuser -o jsonpath='{.status.certificate}'| base64 -d > myuser.crt
kubectl create role developer --verb=create --verb=get --verb=list --verb=update --verb=delete --resource=pods
kubectl create rolebinding developer-binding-myuser --role=developer --user=myuser
kubectl config set-credentials myuser --client-key=myuser.key --client-certificate=myuser.crt --embed-certs=true
kubectl config set-context myuser --cluster=$(kubectl config view -o jsonpath='{.clusters[0].name}') --user=myuser
kubectl config use-context myuser
kubectl auth whoami
until [ "$(kubectl auth can-i create pods)" = yes ]; do sleep 0.2; done
kubectl auth can-i create pods
kubectl get pods
`;

describe('RBAC on a lab: users, roles, bindings, aggregation, escalation', { timeout: 15 * 60_000 }, () => {
  const lab = useE2eLab(1);
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-rbac-'));
  const users = join(dir, 'users.kubeconfig');
  const ctx = `jane@${kubeconfigName(E2E_ENV.KUBELAB_PROJECT!)}`;
  const asJane = (args: string[]) => run('kubectl', ['--kubeconfig', users, '--context', ctx, ...args]);
  const yes = (args: string[]) => async () =>
    (await asJane(['auth', 'can-i', ...args])).stdout.trim() === 'yes' ? true : undefined;

  it('kubelab user add: a context acting as jane, who may list pods in default once bound and nothing else', async () => {
    const add = await run('node', [join(repoRoot, 'cli/dist/main.js'), 'user', 'add', 'jane', '--group', 'devs'], {
      env: { ...process.env, ...E2E_ENV, KUBECONFIG: users },
      timeoutMs: 60_000,
    });
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, new RegExp(`context ${ctx} added to`));
    const who = await asJane(['auth', 'whoami']);
    assert.match(who.stdout, /Username\s+jane/);
    assert.match(who.stdout, /Groups\s+\[devs system:authenticated\]/);
    const before = await asJane(['get', 'pods']);
    assert.match(
      before.stderr,
      /Error from server \(Forbidden\): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"/,
    );
    await lab.kOk(['apply', '-f', '-'], READ_PODS);
    await waitFor('jane may list pods', yes(['list', 'pods']), 30_000);
    const asked = [
      ['get', 'pods'],
      ['delete', 'pods'],
      ['list', 'pods', '-n', 'kube-system'],
      ['list', 'secrets'],
      ['create', 'deployments.apps'],
      ['list', 'nodes'],
    ];
    const answers = await Promise.all(asked.map(async (a) => (await asJane(['auth', 'can-i', ...a])).stdout.trim()));
    assert.deepEqual(answers, ['yes', 'no', 'no', 'no', 'no', 'no']);
    assert.equal((await asJane(['get', 'pods'])).code, 0);
    const refused = await asJane(['get', 'pods', '-n', 'kube-system']);
    assert.match(
      refused.stderr,
      /pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "kube-system"/,
    );
  });

  it('the CSR and RBAC tutorials, typed as written', async () => {
    const cfg = join(dir, 'tutorial.kubeconfig');
    writeFileSync(cfg, await lab.kOk(['config', 'view', '--raw']));
    writeFileSync(join(dir, 'tutorial.sh'), TUTORIAL);
    const r = await run('bash', ['-c', `cd ${dir} && bash tutorial.sh`], {
      env: { ...process.env, KUBECONFIG: cfg },
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /certificatesigningrequest.certificates.k8s.io\/myuser approved/);
    assert.match(r.stdout, /Username\s+myuser/);
    assert.match(r.stdout, /^yes$/m);
    assert.match(r.stderr, /No resources found in default namespace/);
  });

  it('a ClusterRole aggregated by label, and view/edit/admin filled by the controller', async () => {
    await lab.kOk(['apply', '-f', '-'], MONITORING);
    type Role = { rules?: { resources?: string[] }[] };
    const rules = await waitFor(
      'monitoring has the rules of monitoring-endpoints',
      async () =>
        (await lab.kJson<Role>(['get', 'clusterrole', 'monitoring', '-o', 'json'])).rules?.[0] &&
        (await lab.kJson<Role>(['get', 'clusterrole', 'monitoring', '-o', 'json'])).rules,
      30_000,
    );
    assert.deepEqual(rules[0]!.resources, ['services', 'endpointslices', 'pods']);
    const view = await lab.kJson<Role>(['get', 'clusterrole', 'view', '-o', 'json']);
    assert.ok(
      view.rules?.some((r) => r.resources?.includes('pods')),
      'view aggregates system:aggregate-to-view',
    );
    const admin = await lab.kJson<Role>(['get', 'clusterrole', 'admin', '-o', 'json']);
    assert.ok(
      admin.rules?.some((r) => r.resources?.includes('rolebindings')) &&
        admin.rules.some((r) => r.resources?.includes('pods/exec')),
      'admin holds edit and its own',
    );
    await lab.kOk([
      'create',
      'rolebinding',
      'jane-monitors',
      '--clusterrole=monitoring',
      '--user=jane',
      '-n',
      'kube-system',
    ]);
    await waitFor('jane may list services in kube-system', yes(['list', 'services', '-n', 'kube-system']), 30_000);
  });

  it('escalation is refused, and the components run a pod under their bootstrap roles', async () => {
    await lab.kOk(['create', 'role', 'role-maker', '--verb=create', '--resource=roles']);
    await lab.kOk(['create', 'rolebinding', 'jane-makes-roles', '--role=role-maker', '--user=jane']);
    await waitFor('jane may create roles', yes(['create', 'roles']), 30_000);
    const r = await asJane(['create', 'role', 'too-much', '--verb=delete', '--resource=pods']);
    assert.match(
      r.stderr,
      /roles.rbac.authorization.k8s.io "too-much" is forbidden: user "jane" \(groups=\["devs" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["delete"\]\}/,
    );
    await lab.kOk(['create', 'deployment', 'web', '--image=kubelab/echo']);
    await lab.kOk(['rollout', 'status', 'deployment/web', '--timeout=180s']);
  });
});
