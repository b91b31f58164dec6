/**
 * The kubectl compatibility steps on running workloads (exec, port-forward, logs, top, cluster
 * info, kubeconfig, cascading deletes), after those of kubectl-steps.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, waitFor } from './kubectl.js';
import { httpGet } from './http.js';
import { stream } from './kubectl-matrix.js';
import { header, match, rsCount, runningPod, tmp, type Pod, type Step } from './kubectl-steps-util.js';

const cascade = (mode: 'background' | 'foreground' | 'orphan', gone: boolean): Step => ({
  name: `delete --cascade=${mode}`,
  fn: async (c) => {
    const n = `c-${mode}`;
    await c.ok(['create', 'deployment', n, '--image=kubelab/echo']);
    await waitFor(`rs of ${n}`, async () => ((await rsCount(c, `app=${n}`)) > 0 ? true : undefined), 30_000);
    match(await c.ok(['delete', 'deployment', n, `--cascade=${mode}`]), new RegExp(`^deployment.apps "${n}" deleted`));
    if (gone)
      await waitFor(`rs of ${n} gone`, async () => ((await rsCount(c, `app=${n}`)) === 0 ? true : undefined), 45_000);
    else {
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(await rsCount(c, `app=${n}`), 1, 'orphaned ReplicaSet kept');
      await c.ok(['delete', 'rs', '-l', `app=${n}`]);
    }
  },
});

export const RUNTIME_STEPS: Step[] = [
  {
    name: 'exec (plain, -it)',
    fn: async (c) => {
      await runningPod(c, 'run=p');
      assert.equal(await c.ok(['exec', 'p', '--', 'echo', 'hi']), 'hi\n');
      const cmd = `${c.bin} -n ${c.ns} exec -it p -- sh -c 'tty; echo done'`;
      const r = await run('script', ['-qec', cmd, '/dev/null'], {
        env: { ...process.env, KUBECONFIG: c.kubeconfig },
        timeoutMs: 30_000,
      });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      match(r.stdout, /\/dev\/pts\/\d+\r?\n[\s\S]*done/);
    },
  },
  {
    name: 'port-forward + logs (-f/-c/--tail)',
    fn: async (c) => {
      const pod = await runningPod(c, 'app=web');
      const pf = stream(c.bin, ['-n', c.ns, 'port-forward', `pod/${pod}`, ':80', '--address', '127.0.0.1'], {
        ...process.env,
        KUBECONFIG: c.kubeconfig,
      });
      const f = stream(c.bin, ['-n', c.ns, 'logs', '-f', pod], { ...process.env, KUBECONFIG: c.kubeconfig });
      try {
        const port = /Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(
          await pf.until(/Forwarding from 127\.0\.0\.1:\d+ -> 80/),
        )![1]!;
        const res = await httpGet(`http://127.0.0.1:${port}/pf-check`);
        match(res.body, new RegExp(`hello from ${pod}`));
        await f.until(/pf-check/);
      } finally {
        pf.stop();
        f.stop();
      }
      match(await c.ok(['logs', pod, '-c', 'echo']), /pf-check/);
      assert.equal((await c.ok(['logs', pod, '--tail=1'])).trim().split('\n').length, 1);
    },
  },
  {
    name: 'logs --previous',
    fn: async (c) => {
      await c.ok([
        'run',
        'crash',
        '--image=kubelab/busybox',
        '--',
        'sh',
        '-c',
        'echo started $(date +%s); sleep 1; exit 1',
      ]);
      await waitFor(
        'crash restarted',
        async () =>
          ((await c.json<Pod>(['get', 'pod', 'crash'])).status.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ||
          undefined,
        60_000,
      );
      match(await c.ok(['logs', 'crash', '--previous']), /^started \d+/);
    },
  },
  {
    name: 'top nodes/pods',
    fn: async (c) => {
      // kubectl 1.27 heads the percentages CPU% and MEMORY%; later releases CPU(%) and MEMORY(%).
      const pct = c.label === '1.27' ? ['CPU%', 'MEMORY%'] : ['CPU(%)', 'MEMORY(%)'];
      const nodes = await waitFor(
        'node metrics',
        async () => (await c.k(['top', 'nodes'])).stdout || undefined,
        60_000,
      );
      header(nodes, ['NAME', 'CPU(cores)', pct[0]!, 'MEMORY(bytes)', pct[1]!]);
      match(nodes, /\n\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
      header(await waitFor('pod metrics', async () => (await c.k(['top', 'pods'])).stdout || undefined, 60_000), [
        'NAME',
        'CPU(cores)',
        'MEMORY(bytes)',
      ]);
    },
  },
  {
    name: 'cluster-info / version / api-resources',
    fn: async (c) => {
      // kubectl ≤ 1.2x colours cluster-info even without a terminal.
      match(
        (await c.ok(['cluster-info'])).replace(/\x1b\[[0-9;]*m/g, ''),
        /^Kubernetes control plane is running at https?:\/\/127\.0\.0\.1:\d+/,
      );
      // kubectl 1.27 still prints the version.Info{…} form by default.
      match(
        await c.ok(['version']),
        c.label === '1.27'
          ? /Client Version: version.Info\{Major:"1"[\s\S]*Server Version: version.Info\{Major:"1", Minor:"\d+", GitVersion:"v1\.\d+/
          : /Client Version: v1\.\d+[\s\S]*Server Version: v1\.\d+/,
      );
      const ar = await c.ok(['api-resources']);
      header(ar, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
      match(ar, /\ndeployments\s+deploy\s+apps\/v1\s+true\s+Deployment\n/);
    },
  },
  {
    name: 'config set-context --current',
    fn: async (c) => {
      const copy = join(tmp, `kubeconfig-${c.ns}`);
      copyFileSync(c.kubeconfig, copy);
      const r = await run(c.bin, ['config', 'set-context', '--current', `--namespace=${c.ns}`], {
        env: { ...process.env, KUBECONFIG: copy },
      });
      assert.equal(r.code, 0, r.stderr);
      match(r.stdout, /^Context "[^"]+" modified\./);
      match(
        (await run(c.bin, ['get', 'deploy', 'web', '-o', 'name'], { env: { ...process.env, KUBECONFIG: copy } }))
          .stdout,
        /^deployment.apps\/web/,
      );
    },
  },
  cascade('background', true),
  cascade('foreground', true),
  cascade('orphan', false),
  {
    name: 'delete (pod, -f)',
    fn: async (c) => {
      match(await c.ok(['delete', 'pod', 'crash', '--grace-period=1']), /^pod "crash" deleted/);
      match(await c.ok(['delete', '-f', join(tmp, `cm1-${c.ns}.yaml`)]), /^configmap "cm1" deleted/);
    },
  },
];
