/**
 * The real kubectl (1.27, the default 1.32, 1.33) against a running lab, for everything a learner
 * types; each version in its own namespace (v127/v132/v133), the versions run side by side. Also
 * @kubernetes/client-node with the lab's kubeconfig. Prints a command × version pass matrix.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { useE2eLab } from '../lib/e2e-lab.js';
import { findKubectl, kc, Matrix } from '../lib/kubectl-matrix.js';
import { STEPS } from '../lib/kubectl-steps.js';
import { tmp } from '../lib/kubectl-steps-util.js';

const VERSIONS = [
  { label: '1.27', bin: findKubectl('kubectl.1.27'), ns: 'v127' },
  { label: '1.32', bin: findKubectl('kubectl'), ns: 'v132' },
  { label: '1.33', bin: findKubectl('kubectl.1.33'), ns: 'v133' },
];
/** Steps known not to work yet, with the reason (node:test reports them as todo). */
const TODO: Record<string, string> = {};

const lab = useE2eLab(2);
const matrix = new Matrix([...VERSIONS.map((v) => v.label), 'client-node']);
after(() => rmSync(tmp, { recursive: true, force: true }));
after(() =>
  console.log(`\nkubectl compatibility (ok = passed, FAIL, todo, skip = binary missing):\n${matrix.render()}\n`),
);

describe('kubectl versions', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl ${v.label} (namespace ${v.ns})`, { concurrency: 1 }, () => {
      const c = v.bin ? kc(v.label, v.bin, v.ns, () => lab.kubeconfig) : undefined;
      for (const step of STEPS) {
        const todo = TODO[step.name];
        it(step.name, { skip: c ? (todo ? `todo: ${todo}` : false) : `kubectl ${v.label} not installed` }, async () => {
          matrix.set(step.name, v.label, todo ? 'todo' : 'FAIL');
          await step.fn(c!);
          if (!todo) matrix.set(step.name, v.label, 'ok');
        });
        if (!c) matrix.set(step.name, v.label, 'skip');
        else if (todo) matrix.set(step.name, v.label, 'todo');
      }
    });
  }

  describe('@kubernetes/client-node', { concurrency: 1 }, () => {
    it('lists pods, watches an ADDED event, creates a ConfigMap', async () => {
      matrix.set('client-node list/watch/create', 'client-node', 'FAIL');
      const cfg = new KubeConfig();
      cfg.loadFromFile(lab.kubeconfig);
      const core = cfg.makeApiClient(CoreV1Api);
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'from-client-node' }).catch(() => undefined); // a kept lab's last run
      const pods = await core.listNamespacedPod({ namespace: 'kube-system' });
      assert.ok(Array.isArray(pods.items));
      const seen = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('no ADDED event for cm "from-client-node" within 20s')),
          20_000,
        );
        void new Watch(cfg)
          .watch(
            '/api/v1/namespaces/default/configmaps',
            {},
            (type: string, obj: { metadata?: { name?: string } }) => {
              if (type === 'ADDED' && obj.metadata?.name === 'from-client-node') {
                clearTimeout(timer);
                resolve(type);
              }
            },
            (err: unknown) => err && reject(err),
          )
          .then((ctl) => seen.finally(() => ctl.abort()), reject);
      });
      await new Promise((r) => setTimeout(r, 500));
      const created = await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'from-client-node' }, data: { a: 'b' } },
      });
      assert.equal(created.metadata?.name, 'from-client-node');
      assert.equal(await seen, 'ADDED');
      matrix.set('client-node list/watch/create', 'client-node', 'ok');
    });
  });
});
