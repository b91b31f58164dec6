/**
 * Lab operations: plain compose commands act on the lab `up` made (the README's scale command adds
 * a node and recreates nothing), stop/start keeps every object and every pod (the same containers
 * and addresses, adopted by the kubelets), down/up keeps
 * the data, delete/up starts clean, status exits 1 for a missing lab.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { labDown, labUp } from '@kubelab/cli/lab';
import { E2E_ENV, repoRoot } from '../lib/lab.js';
import { podContainers, useE2eLab } from '../lib/e2e-lab.js';
import { run, waitFor } from '../lib/kubectl.js';

const PROJECT = E2E_ENV.KUBELAB_PROJECT!;
const cli = (args: string[], env: Record<string, string> = E2E_ENV) =>
  run('node', [join(repoRoot, 'cli/dist/main.js'), ...args], { env: { ...process.env, ...env }, timeoutMs: 300_000 });

/** A shell without the lab's variables, as a user's. */
const plainEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KUBELAB_') && !k.startsWith('COMPOSE_')),
  );

async function created(): Promise<Map<string, string>> {
  const ids = (await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`])).stdout
    .split('\n')
    .filter(Boolean);
  const r = await run('docker', ['inspect', '--format', '{{.Name}} {{.Created}}', ...ids]);
  return new Map(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
}

/** Each running sandbox's address on the lab network, as Docker has it. */
async function sandboxIPs(): Promise<string[]> {
  const ids = (
    await run('docker', [
      'ps',
      '-q',
      '--filter',
      `label=io.kubelab.cluster=${E2E_ENV.KUBELAB_CLUSTER}`,
      '--filter',
      'label=io.kubernetes.container.name=POD',
    ])
  ).stdout
    .split('\n')
    .filter(Boolean);
  const r = await run('docker', [
    'inspect',
    '--format',
    `{{.Id}} {{(index .NetworkSettings.Networks "${E2E_ENV.KUBELAB_NETWORK}").IPAddress}}`,
    ...ids,
  ]);
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('lab lifecycle', () => {
  const lab = useE2eLab(2);
  const count = async (): Promise<number> =>
    (await lab.kOk(['get', 'configmaps', '-l', 'e2e=lifecycle', '-o', 'name'])).split('\n').filter(Boolean).length;

  it("the README's scale command adds a node and recreates nothing", async () => {
    const before = await created();
    const envFile = join(repoRoot, '.kubelab', PROJECT, 'compose.env');
    const r = await run(
      'docker-compose',
      [
        '--env-file',
        envFile,
        '-f',
        join(repoRoot, 'docker-compose.yml'),
        '-p',
        PROJECT,
        'up',
        '-d',
        '--scale',
        'kubelet=3',
      ],
      { env: plainEnv(), timeoutMs: 300_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const after = await created();
    for (const [name, at] of before) assert.equal(after.get(name), at, `${name} was recreated`);
    assert.equal(after.size, before.size + 1);
    await waitFor(
      '3 Ready nodes',
      async () => ((await lab.kOk(['get', 'nodes'])).match(/ Ready /g)?.length === 3 ? true : undefined),
      120_000,
    );
  });

  it('stop/start keeps every object and every pod, no duplicates', async () => {
    const cms = Array.from(
      { length: 50 },
      (_, i) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}, labels: {e2e: lifecycle}}\ndata: {i: "${i}"}\n`,
    ).join('---\n');
    await lab.kOk(['apply', '-f', '-'], cms);
    await lab.kOk(['create', 'deployment', 'keep', '--image=busybox', '--replicas=3', '--', 'sleep', '3600']);
    await lab.kOk(['rollout', 'status', 'deployment/keep', '--timeout=120s']);
    const pods = (await lab.kOk(['get', 'pods', '-l', 'app=keep', '-o', 'name'])).split('\n').filter(Boolean).sort();
    const ids = await podContainers();
    const podIPs = async () =>
      (
        await lab.kOk([
          'get',
          'pods',
          '-l',
          'app=keep',
          '-o',
          'jsonpath={range .items[*]}{.metadata.name}={.status.podIP}{"\\n"}{end}',
        ])
      )
        .split('\n')
        .filter(Boolean)
        .sort();
    const ips = await podIPs();
    const sandboxes = await sandboxIPs();
    assert.equal((await cli(['stop'])).code, 0);
    assert.equal((await cli(['status'])).code, 1);
    const r = await cli(['start']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await count(), 50);
    await lab.kOk(['rollout', 'status', 'deployment/keep', '--timeout=120s']);
    assert.deepEqual(
      (await lab.kOk(['get', 'pods', '-l', 'app=keep', '-o', 'name'])).split('\n').filter(Boolean).sort(),
      pods,
    );
    // Adopted: start runs the pod containers stop stopped before the kubelets come back, so the
    // same containers run (no new sandbox, no duplicate), with the pods' addresses and no restart.
    assert.deepEqual(await podContainers(), ids);
    assert.deepEqual(await sandboxIPs(), sandboxes);
    // Not a wait for a condition: a window in which a kubelet's first sync would have replaced a
    // sandbox it did not adopt.
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(await podContainers(), ids, 'the kubelets kept the containers');
    assert.deepEqual(await podIPs(), ips);
  });

  it('down keeps the data for the next up; delete starts clean', async () => {
    await labDown({ project: PROJECT, env: E2E_ENV, volumes: false });
    let up = await labUp({
      project: PROJECT,
      apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
      nodes: 2,
      env: E2E_ENV,
      mergeKubeconfig: false,
      build: false,
    });
    lab.kubeconfig = up.kubeconfig;
    assert.equal(await count(), 50);
    assert.equal((await cli(['delete'])).code, 0);
    up = await labUp({
      project: PROJECT,
      apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
      nodes: 2,
      env: E2E_ENV,
      mergeKubeconfig: false,
      build: false,
    });
    lab.kubeconfig = up.kubeconfig;
    assert.equal(await count(), 0);
  });

  it('status exits 1 for a missing lab', async () => {
    const missing = `${PROJECT}-missing`;
    const r = await cli(['status'], {
      ...E2E_ENV,
      KUBELAB_PROJECT: missing,
      KUBELAB_CLUSTER: missing,
      KUBELAB_NETWORK: missing,
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /is not running/);
  });
});
