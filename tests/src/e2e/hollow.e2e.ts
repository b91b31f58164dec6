/**
 * `kubelab node add --hollow N`: N hollow (kwok-style) nodes in one kubelet container, labelled
 * kubelab.io/hollow=true; pods scheduled there run as the hollow runtime simulates them; one of
 * them alone cannot be deleted; `node delete <name>` removes the container, all N nodes and
 * their pods.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { E2E_ENV, repoRoot } from '../lib/lab.js';
import { useE2eLab } from '../lib/e2e-lab.js';
import { run, waitFor } from '../lib/kubectl.js';

const PROJECT = E2E_ENV.KUBELAB_PROJECT!;
const CLUSTER = E2E_ENV.KUBELAB_CLUSTER!;
const cli = (args: string[]) =>
  run('node', [join(repoRoot, 'cli/dist/main.js'), ...args], {
    env: { ...process.env, ...E2E_ENV },
    timeoutMs: 300_000,
  });

interface Item {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: sim}
spec:
  replicas: 6
  selector: {matchLabels: {app: sim}}
  template:
    metadata: {labels: {app: sim}}
    spec:
      nodeSelector: {kubelab.io/hollow: "true"}
      containers: [{name: main, image: kubelab/echo}]
`;

describe('kubelab node add --hollow', () => {
  const lab = useE2eLab(1);
  const sim = `${PROJECT}-sim`;
  const hollowNodes = async () =>
    (await lab.kJson<{ items: Item[] }>(['get', 'nodes', '-l', 'kubelab.io/hollow=true', '-o', 'json'])).items;

  it('refuses a bad count with exit code 2', async () => {
    const r = await cli(['node', 'add', '--hollow', 'lots']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--hollow: Invalid value: "lots": must be a whole number of nodes from 1 to 1000/);
  });

  it('adds 3 hollow nodes in one container; pods pinned there run', async () => {
    const r = await cli(['node', 'add', '--hollow', '3', '--name', sim]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`3 hollow nodes ${sim}-0 … ${sim}-2 .* joined and Ready`));
    const nodes = await hollowNodes();
    assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), [`${sim}-0`, `${sim}-1`, `${sim}-2`]);
    for (const n of nodes)
      assert.ok(
        n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        `${n.metadata.name} Ready`,
      );
    const ids = (
      await run('docker', [
        'ps',
        '-q',
        '--filter',
        `label=io.kubelab.cluster=${CLUSTER}`,
        '--filter',
        'label=io.kubelab.hollow=3',
      ])
    ).stdout
      .split('\n')
      .filter(Boolean);
    assert.equal(ids.length, 1, 'one container runs the 3 nodes');
    await lab.kOk(['apply', '-f', '-'], DEPLOYMENT);
    await lab.kOk(['rollout', 'status', 'deployment/sim', '--timeout=120s']);
    const pods = (await lab.kJson<{ items: Item[] }>(['get', 'pods', '-l', 'app=sim', '-o', 'json'])).items.filter(
      (p) => p.status?.phase === 'Running',
    );
    assert.equal(pods.length, 6);
    for (const p of pods) assert.match(p.spec?.nodeName ?? '', new RegExp(`^${sim}-[0-2]$`));
  });

  it('node delete: one hollow node alone is refused; the name removes all of them and their pods', async () => {
    const one = await cli(['node', 'delete', `${sim}-1`]);
    assert.notEqual(one.code, 0);
    assert.match(
      one.stderr,
      new RegExp(`node ${sim}-1 is one of the hollow nodes of ${sim}: ./kubelab node delete ${sim} removes them all`),
    );
    const r = await cli(['node', 'delete', sim]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 hollow nodes .* deleted with their pods/);
    assert.deepEqual(await hollowNodes(), []);
    assert.equal(
      (
        await run('docker', [
          'ps',
          '-aq',
          '--filter',
          `label=io.kubelab.cluster=${CLUSTER}`,
          '--filter',
          'label=io.kubelab.hollow',
        ])
      ).stdout.trim(),
      '',
    );
    // Their pods are gone; the Deployment's new ones wait for a hollow node (Pending).
    await waitFor(
      'no pod left on the hollow nodes',
      async () =>
        (await lab.kJson<{ items: Item[] }>(['get', 'pods', '-l', 'app=sim', '-o', 'json'])).items.every(
          (p) => !p.spec?.nodeName?.startsWith(sim),
        ) || undefined,
      60_000,
    );
    await lab.kOk(['delete', 'deployment', 'sim']);
  });
});
