/**
 * Survive the engine: a Docker daemon restart under a running lab heals by itself. The
 * components and joined nodes come back by their restart policy (unless-stopped), none is
 * recreated, every object is kept, and the kubelets give their pods new sandboxes (the pods'
 * containers have no restart policy, as upstream's) with RESTARTS counted as after a node reboot:
 * no pod lost, none doubled.
 *
 * It restarts the Docker engine, which every lab and test on the machine shares, so it runs only
 * with KUBELAB_E2E_DOCKERD_RESTART=1 (on a quiet machine). The restart is
 * KUBELAB_E2E_DOCKERD_RESTART_CMD if set, else `systemctl restart docker` under systemd, else
 * SIGTERM to the dockerd in /var/run/docker.pid and scripts/ensure-docker.sh to start it again.
 * KUBELAB_E2E_DOCKERD_RESTART=crash leaves the engine alone: it kills every process of the lab's
 * containers from the host (SIGKILL, which Docker sees as a crash, so the restart policies act as
 * after an engine restart); it needs root on the Docker host.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_ENV, repoRoot } from '../lib/lab.js';
import { podContainers, useE2eLab } from '../lib/e2e-lab.js';
import { run, waitFor } from '../lib/kubectl.js';

const MODE = process.env.KUBELAB_E2E_DOCKERD_RESTART;
const ENABLED = MODE === '1' || MODE === 'crash';
const CLUSTER = E2E_ENV.KUBELAB_CLUSTER!;

/** Every container of the lab, its processes killed from the host: a crash, to Docker. */
async function crashLab(): Promise<void> {
  const ids = (await run('docker', ['ps', '-q', '--filter', `label=io.kubelab.cluster=${CLUSTER}`])).stdout
    .split('\n')
    .filter(Boolean);
  const pids = (await run('docker', ['inspect', '--format', '{{.State.Pid}}', ...ids])).stdout
    .split('\n')
    .filter(Boolean)
    .map(Number);
  for (const pid of pids) if (pid > 0) process.kill(pid, 'SIGKILL');
}

async function restartDockerd(): Promise<void> {
  if (MODE === 'crash') return crashLab();
  const custom = process.env.KUBELAB_E2E_DOCKERD_RESTART_CMD;
  if (custom) {
    const r = await run('sh', ['-c', custom], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `${custom}: ${r.stderr}`);
    return;
  }
  if (existsSync('/run/systemd/system')) {
    const r = await run('systemctl', ['restart', 'docker'], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    return;
  }
  const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
  process.kill(pid, 'SIGTERM');
  await waitFor('dockerd to exit', async () => (existsSync(`/proc/${pid}`) ? undefined : true), 120_000, 250);
  const r = await run('bash', [join(repoRoot, 'scripts/ensure-docker.sh')], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
}

/** Name → creation time and state of every component container of the lab. */
async function components(): Promise<Map<string, string>> {
  const ids = (
    await run('docker', [
      'ps',
      '-aq',
      '--filter',
      `label=io.kubelab.component`,
      '--filter',
      `label=io.kubelab.cluster=${CLUSTER}`,
    ])
  ).stdout
    .split('\n')
    .filter(Boolean);
  const r = await run('docker', [
    'inspect',
    '--format',
    '{{.Name}} {{.Created}} {{.State.Status}} {{index .Config.Labels "io.kubelab.component"}}',
    ...ids,
  ]);
  // The one-shot `pki` service (restart "no") made the PKI once: it stays as it was.
  const lines = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ') as [string, string, string, string]);
  return new Map(lines.filter(([, , , component]) => component !== 'pki').map(([n, c, s]) => [n, `${c} ${s}`]));
}

describe('a Docker engine restart under a running lab', {
  skip: ENABLED ? false : 'set KUBELAB_E2E_DOCKERD_RESTART=1 (it restarts the shared Docker engine) or =crash',
}, () => {
  if (!ENABLED) return;
  const lab = useE2eLab(2);

  it('heals by itself: components back, objects kept, pods re-created with restarts counted', async () => {
    const added = await run('node', [join(repoRoot, 'cli/dist/main.js'), 'node', 'add', '--name', `${CLUSTER}-extra`], {
      env: { ...process.env, ...E2E_ENV },
    });
    assert.equal(added.code, 0, added.stderr);
    const cms = Array.from(
      { length: 30 },
      (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: engine-${i}, labels: {e2e: engine}}\n`,
    ).join('---\n');
    await lab.kOk(['apply', '-f', '-'], cms);
    await lab.kOk(['create', 'deployment', 'survive', '--image=busybox', '--replicas=4', '--', 'sleep', '3600']);
    await lab.kOk(['rollout', 'status', 'deployment/survive', '--timeout=120s']);
    await waitFor(
      '3 Ready nodes',
      async () => ((await lab.kOk(['get', 'nodes'])).match(/ Ready /g)?.length === 3 ? true : undefined),
      120_000,
    );
    const pods = (await lab.kOk(['get', 'pods', '-l', 'app=survive', '-o', 'name'])).split('\n').filter(Boolean).sort();
    const before = await components();
    const running = (await podContainers()).length;

    const t0 = Date.now();
    await restartDockerd();
    await waitFor(
      '3 Ready nodes after the restart',
      async () => {
        const r = await lab.k(['get', 'nodes']);
        return r.code === 0 && r.stdout.match(/ Ready /g)?.length === 3 ? true : undefined;
      },
      180_000,
      1000,
    );
    console.log(`  nodes Ready ${((Date.now() - t0) / 1000).toFixed(1)}s after the engine went down`);

    const after = await components();
    for (const [name, was] of before)
      assert.equal(after.get(name), was.replace(/ \w+$/, ' running'), `${name} (${was}) is not back as it was`);
    assert.equal(
      (await lab.kOk(['get', 'configmaps', '-l', 'e2e=engine', '-o', 'name'])).split('\n').filter(Boolean).length,
      30,
    );
    assert.deepEqual(
      (await lab.kOk(['get', 'pods', '-l', 'app=survive', '-o', 'name'])).split('\n').filter(Boolean).sort(),
      pods,
      'the same pods, none lost, none doubled',
    );
    // The pods' status is stale until their kubelets have synced them again.
    await waitFor(
      'every pod Running again with RESTARTS counted, as after a node reboot',
      async () => {
        const r = await lab.kJson<{
          items: { status: { phase?: string; containerStatuses?: { restartCount: number; ready: boolean }[] } }[];
        }>(['get', 'pods', '-l', 'app=survive', '-o', 'json']);
        return r.items.length === pods.length &&
          r.items.every(
            (p) =>
              p.status.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready && c.restartCount >= 1),
          )
          ? true
          : undefined;
      },
      120_000,
      1000,
    );
    await waitFor(
      `${running} running pod containers`,
      async () => ((await podContainers()).length === running ? true : undefined),
      120_000,
    );
    console.log(`  every pod Running again ${((Date.now() - t0) / 1000).toFixed(1)}s after the engine went down`);
  });
});
