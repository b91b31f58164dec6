/**
 * Run inside a pod by serviceaccounts.e2e (the worktree mounted read-only at /repo): an in-cluster
 * client with @kubernetes/client-node's loadFromCluster (KUBERNETES_SERVICE_HOST/PORT, the mounted
 * token and ca.crt) asks who it is, lists the pods of its namespace and tries to delete one, and
 * prints one JSON line: { user, list (count or HTTP status), del (HTTP status) }.
 */
import { readFileSync } from 'node:fs';
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

const code = (err: unknown): number =>
  typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
const kc = new KubeConfig();
kc.loadFromCluster();
const namespace = readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
const out: Record<string, unknown> = { server: kc.getCurrentCluster()?.server };
try {
  const review = await kc
    .makeApiClient(AuthenticationV1Api)
    .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  out['user'] = review.status?.userInfo?.username;
} catch (err) {
  out['user'] = code(err);
}
const core = kc.makeApiClient(CoreV1Api);
try {
  out['list'] = (await core.listNamespacedPod({ namespace })).items.length;
} catch (err) {
  out['list'] = code(err);
}
try {
  await core.deleteNamespacedPod({ namespace, name: process.env['VICTIM'] ?? 'none' });
  out['del'] = 200;
} catch (err) {
  out['del'] = code(err);
}
console.log(JSON.stringify(out));
