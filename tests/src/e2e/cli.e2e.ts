/**
 * The CLI's day-to-day verbs against one lab: `node add` with capacity, labels and taints (bad
 * values refused with exit code 2 before anything starts), `node delete` draining the node (its
 * pods replaced on the other nodes) and removing it; `list`, `logs`, `export logs`, `kubeconfig
 * --print` and `completion bash` on the same lab; the restart policies an engine restart relies on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
const containers = async (...labels: string[]): Promise<string[]> =>
  (
    await run('docker', [
      'ps',
      '-aq',
      '--filter',
      `label=io.kubelab.cluster=${CLUSTER}`,
      ...labels.flatMap((l) => ['--filter', `label=${l}`]),
    ])
  ).stdout
    .split('\n')
    .filter(Boolean);

interface NodeJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { taints?: { key: string; value?: string; effect: string }[] };
  status?: { capacity?: Record<string, string>; allocatable?: Record<string, string> };
}

const deployment = (name: string, extra: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      tolerations: [{key: gpu, operator: Equal, value: "true", effect: NoSchedule}]
${extra}      containers: [{name: main, image: busybox, command: [sleep, "3600"]}]
`;

describe('kubelab CLI', () => {
  const lab = useE2eLab(2);
  const gpu = `${PROJECT}-gpu`;
  const podsOf = async (app: string) =>
    (
      await lab.kJson<{
        items: { metadata: { name: string }; spec: { nodeName?: string }; status: { phase?: string } }[];
      }>(['get', 'pods', '-l', `app=${app}`, '-o', 'json'])
    ).items;

  it('node add refuses bad values with exit code 2 before starting anything', async () => {
    const before = await containers('io.kubelab.component=kubelet');
    for (const [args, message] of [
      [['--taints', 'gpu=true:Sometimes'], /invalid taint effect: Sometimes, unsupported taint effect/],
      [['--labels', 'disk'], /--labels: invalid label "disk": malformed pair, expect string=string/],
      [['--cpu', 'lots'], /--cpu: Invalid value: "lots"/],
      [['--name', 'Bad_Name'], /--name: Invalid value: "Bad_Name"/],
    ] as const) {
      const r = await cli(['node', 'add', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.deepEqual(await containers('io.kubelab.component=kubelet'), before);
  });

  it('node add registers the Node with its capacity, labels and taints; matching pods land there', async () => {
    const r = await cli([
      'node',
      'add',
      '--name',
      gpu,
      '--cpu',
      '2',
      '--memory',
      '2Gi',
      '--labels',
      'disk=ssd,pool=gpu',
      '--taints',
      'gpu=true:NoSchedule',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const n = await waitFor(
      `node ${gpu} Ready`,
      async () => {
        const r = await lab.k(['get', 'node', gpu, '-o', 'json']);
        const node =
          r.code === 0
            ? (JSON.parse(r.stdout) as NodeJson & { status?: { conditions?: { type: string; status: string }[] } })
            : undefined;
        return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? node : undefined;
      },
      120_000,
    );
    assert.equal(n.metadata.labels?.disk, 'ssd');
    assert.equal(n.metadata.labels?.pool, 'gpu');
    assert.deepEqual(n.spec?.taints, [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }]);
    assert.equal(n.status?.capacity?.cpu, '2');
    assert.equal(n.status?.capacity?.memory, '2Gi');
    // `pinned` selects the node; `movable` only tolerates its taint, and lands there while the
    // other nodes are cordoned.
    await lab.kOk(['apply', '-f', '-'], deployment('pinned', '      nodeSelector: {pool: gpu}\n'));
    const others = (await lab.kOk(['get', 'nodes', '-o', 'name'])).split('\n').filter((l) => l && l !== `node/${gpu}`);
    for (const o of others) await lab.kOk(['cordon', o]);
    await lab.kOk(['apply', '-f', '-'], deployment('movable', ''));
    await lab.kOk(['rollout', 'status', 'deployment/pinned', 'deployment/movable', '--timeout=120s']);
    for (const o of others) await lab.kOk(['uncordon', o]);
    assert.equal((await podsOf('pinned'))[0]?.spec.nodeName, gpu);
    assert.equal((await podsOf('movable'))[0]?.spec.nodeName, gpu);
  });

  it('survives an engine restart by restart policy: components and added nodes unless-stopped, pod containers none (their kubelet owns them)', async () => {
    const policies = async (...labels: string[]) => {
      const ids = await containers(...labels);
      const r = await run('docker', [
        'inspect',
        '--format',
        '{{.Name}} {{index .Config.Labels "io.kubelab.component"}} {{.HostConfig.RestartPolicy.Name}}',
        ...ids,
      ]);
      return r.stdout.split('\n').filter(Boolean);
    };
    const components = await policies('io.kubelab.component');
    assert.ok(
      components.some((l) => l.startsWith(`/${gpu} `)),
      'the added node is there',
    );
    // The one-shot `pki` service, where it ran, stays exited (`./kubelab up` leaves it out: KUBELAB_PKI_RUN=0).
    for (const l of components) assert.match(l, l.split(' ')[1] === 'pki' ? / no$/ : / unless-stopped$/);
    const pods = await policies('io.kubernetes.pod.uid');
    assert.ok(pods.length > 0);
    for (const l of pods) assert.match(l, / no$/);
  });

  it('node add joins with a bootstrap token (CSR approved and signed, then its own certificate); wrong, expired and deleted tokens are refused and say so', async () => {
    const secret = (id: string, tokenSecret: string, expiration: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: {name: bootstrap-token-${id}, namespace: kube-system}\ntype: bootstrap.kubernetes.io/token\nstringData: {token-id: ${id}, token-secret: ${tokenSecret}, usage-bootstrap-authentication: "true", expiration: "${expiration}"}\n`;
    // Tokens as an admin makes them: kubelab token create / list / delete (the expired one by hand).
    const made = await cli(['token', 'create', '--ttl', '1h', '--description', 'e2e join']);
    assert.equal(made.code, 0, made.stderr);
    const good = made.stdout.trim();
    assert.match(good, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const listed = await cli(['token', 'list']);
    assert.match(
      listed.stdout,
      new RegExp(
        `^${good.replace('.', '\\.')}\\s+(59m|1h)\\s+\\S+Z\\s+authentication,signing\\s+e2e join\\s+system:bootstrappers:kubelab:default-node-token$`,
        'm',
      ),
      listed.stdout,
    );
    await lab.kOk(['apply', '-f', '-'], secret('e2eold', '0123456789abcdef', '2020-01-01T00:00:00Z'));
    const gone = (await cli(['token', 'create'])).stdout.trim();
    const deleted = await cli(['token', 'delete', gone]);
    assert.equal(deleted.stdout.trim(), `bootstrap token "${gone.split('.')[0]}" deleted`);
    assert.equal((await cli(['token', 'delete', gone])).code, 1, 'deleting it again: not found');
    const names: string[] = [];
    const add = async (suffix: string, token?: string) => {
      names.push(`${PROJECT}-${suffix}`);
      return cli(['node', 'add', '--name', `${PROJECT}-${suffix}`, ...(token ? ['--token', token] : [])]);
    };
    try {
      for (const [suffix, token] of [
        ['joined', undefined],
        ['secret', good],
      ] as const) {
        const r = await add(suffix, token);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /joined \(bootstrap token, then its own certificate\) and is Ready in [\d.]+ s/);
        console.log(`  ${r.stdout.trim().split('\n').pop()}`);
        const logs = await run('docker', ['logs', `${PROJECT}-${suffix}`]);
        assert.match(logs.stdout + logs.stderr, /got the node's client certificate/);
      }
      const csrs = await lab.kOk(['get', 'csr']);
      assert.match(
        csrs,
        new RegExp(
          `node-csr-${PROJECT}-secret\\S*\\s+\\S+\\s+kubernetes.io/kube-apiserver-client-kubelet\\s+system:bootstrap:${good.split('.')[0]}\\s+.*Approved,Issued`,
        ),
        csrs,
      );
      for (const [suffix, token] of [
        ['wrong', 'abcdef.0000000000000000'],
        ['expired', 'e2eold.0123456789abcdef'],
        ['deleted', gone],
      ] as const) {
        const bad = await add(suffix, token);
        assert.notEqual(bad.code, 0, `a ${suffix} token must not join`);
        assert.match(
          bad.stderr + bad.stdout,
          /cannot join: the apiserver refused the bootstrap token .*wrong, expired or deleted/,
        );
      }
    } finally {
      for (const n of names) await run('docker', ['rm', '-f', n]);
      await lab.k(['delete', 'node', `${PROJECT}-joined`, `${PROJECT}-secret`, '--wait=false']);
    }
  });

  it('node delete drains the node (its pods replaced on other nodes) and removes it', async () => {
    const before = (await podsOf('movable'))[0]!.metadata.name;
    const r = await cli(['node', 'delete', gpu]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`node/${gpu} cordoned`));
    assert.match(r.stdout, /evicting pod default\/movable-/);
    assert.match(r.stdout, new RegExp(`pod/${before} evicted`));
    assert.match(r.stdout, new RegExp(`node/${gpu} drained`));
    const nodes = await lab.kOk(['get', 'nodes', '-o', 'name']);
    assert.doesNotMatch(nodes, new RegExp(gpu), 'the Node object is gone');
    assert.deepEqual(await containers(`io.kubelab.node=${gpu}`), [], "no container of the node's pods is left");
    assert.equal(
      (await run('docker', ['ps', '-aq', '--filter', `name=^${gpu}$`])).stdout.trim(),
      '',
      'the kubelet container is gone',
    );
    const moved = await waitFor(
      'movable running on another node',
      async () => {
        const p = (await podsOf('movable')).find((x) => x.status.phase === 'Running');
        return p && p.metadata.name !== before ? p : undefined;
      },
      120_000,
    );
    assert.notEqual(moved.spec.nodeName, gpu);
    assert.equal(
      (await podsOf('pinned')).every((p) => p.status.phase === 'Pending'),
      true,
      'nothing else matches pinned',
    );
    assert.equal((await cli(['node', 'delete', gpu])).code, 1, 'a node that is not there');
  });

  it('list shows the lab running with its nodes', async () => {
    const r = await cli(['list']);
    assert.equal(r.code, 0, r.stderr);
    const row = r.stdout.split('\n').find((l) => l.startsWith(`${PROJECT} `));
    assert.match(
      row ?? '',
      new RegExp(`^\\S+\\s+running\\s+2/2\\s+\\S+\\s+\\d+\\s+https://127.0.0.1:${E2E_ENV.KUBELAB_API_PORT}\\s`),
      r.stdout,
    );
  });

  it("logs prints a component's log and a node's kubelet log; an unknown name says what there is", async () => {
    const api = await cli(['logs', 'apiserver', '--tail', '20']);
    assert.equal(api.code, 0, api.stderr);
    assert.match(api.stdout + api.stderr, /"component":"apiserver"/);
    const node = (await lab.kOk(['get', 'nodes', '-o', 'name'])).split('\n')[0]!.replace('node/', '');
    const kubelet = await cli(['logs', node, '--since', '1h']);
    assert.equal(kubelet.code, 0, kubelet.stderr);
    assert.match(kubelet.stdout + kubelet.stderr, new RegExp(`"node":"${node}"`));
    const unknown = await cli(['logs', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no component or node "nope" in lab .*: components .*apiserver.*; nodes /);
    assert.equal((await cli(['logs', 'apiserver', '--since', 'yesterday'])).code, 2);
  });

  it("export logs writes the components' and pods' logs, docker inspect and the cluster's state", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelab-export-'));
    try {
      const r = await cli(['export', 'logs', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`exported logs to ${dir}`));
      const components = readdirSync(join(dir, 'components'));
      for (const c of ['apiserver', 'etcd', 'scheduler', 'kubelet'])
        assert.ok(
          components.some((f) => f.includes(c)),
          `${c} in ${components.join(', ')}`,
        );
      assert.match(
        readFileSync(join(dir, 'components', components.find((f) => f.includes('apiserver_'))!), 'utf8'),
        /"component":"apiserver"/,
      );
      assert.ok(
        readdirSync(join(dir, 'pods')).some((p) => p.startsWith('default_movable-')),
        'the pods of the lab',
      );
      const inspect = JSON.parse(readFileSync(join(dir, 'docker-inspect.json'), 'utf8')) as { Name: string }[];
      assert.ok(inspect.some((i) => i.Name.includes('apiserver')));
      assert.match(readFileSync(join(dir, 'cluster', 'nodes.yaml'), 'utf8'), /kind: List[\s\S]*kind: Node/);
      assert.match(readFileSync(join(dir, 'cluster', 'events.yaml'), 'utf8'), /kind: Event/);
      assert.match(readFileSync(join(dir, 'cluster', 'deployments.yaml'), 'utf8'), /name: movable/);
      assert.ok(!existsSync(join(dir, 'cluster', 'secrets.yaml')), 'no Secrets');
      assert.match(readFileSync(join(dir, 'status.txt'), 'utf8'), /NODE\s+STATUS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kubeconfig --print gives a kubeconfig kubectl works with', async () => {
    const r = await cli(['kubeconfig', '--print']);
    assert.equal(r.code, 0, r.stderr);
    const file = join(mkdtempSync(join(tmpdir(), 'kubelab-kc-')), 'config');
    try {
      writeFileSync(file, r.stdout);
      const nodes = await run('kubectl', ['--kubeconfig', file, 'get', 'nodes', '-o', 'name']);
      assert.equal(nodes.code, 0, nodes.stderr);
      assert.match(nodes.stdout, /^node\//);
      assert.match(r.stdout, new RegExp(`current-context: kubelab-${PROJECT}`));
      // --merge: into the file kubectl uses ($KUBECONFIG), the user's other entries kept.
      const mine = join(file, '..', 'mine');
      writeFileSync(
        mine,
        'apiVersion: v1\nkind: Config\nclusters: [{name: other, cluster: {server: "https://192.0.2.1:6443"}}]\ncontexts: [{name: other, context: {cluster: other, user: other}}]\nusers: [{name: other, user: {token: x}}]\ncurrent-context: other\n',
      );
      const merged = await run('node', [join(repoRoot, 'cli/dist/main.js'), 'kubeconfig', '--merge'], {
        env: { ...process.env, ...E2E_ENV, KUBECONFIG: mine },
      });
      assert.equal(merged.code, 0, merged.stderr);
      assert.match(merged.stdout, new RegExp(`merged the lab's context into ${mine}`));
      const contexts = await run('kubectl', ['--kubeconfig', mine, 'config', 'get-contexts', '-o', 'name']);
      assert.deepEqual(contexts.stdout.split('\n').filter(Boolean).sort(), [`kubelab-${PROJECT}`, 'other']);
      assert.equal(
        (await run('kubectl', ['--kubeconfig', mine, 'get', 'nodes', '-o', 'name'])).code,
        0,
        'the merged context is current and works',
      );
    } finally {
      rmSync(join(file, '..'), { recursive: true, force: true });
    }
  });

  it('completion bash registers the completion (complete -p) and completes subcommands', async () => {
    const main = join(repoRoot, 'cli/dist/main.js');
    const r = await run('bash', [
      '-c',
      `source <(node ${main} completion bash) && complete -p kubelab && COMP_WORDS=(kubelab node d) COMP_CWORD=2 && _kubelab && echo "\${COMPREPLY[*]}"`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^complete -F _kubelab kubelab\n/);
    assert.match(r.stdout, /\ndelete\n$/);
    // node delete and logs complete the lab's node names (asking the command typed for them).
    const nodes = await run(
      'bash',
      [
        '-c',
        `source <(node ${main} completion bash) && COMP_WORDS=(${join(repoRoot, 'kubelab')} node delete "") COMP_CWORD=3 && _kubelab && echo "\${COMPREPLY[*]}"`,
      ],
      { env: { ...process.env, ...E2E_ENV } },
    );
    assert.match(nodes.stdout, new RegExp(`${PROJECT}-kubelet-1 ${PROJECT}-kubelet-2`), nodes.stderr);
    if ((await run('sh', ['-c', 'command -v zsh'])).code !== 0) return; // zsh is optional
    const z = await run('zsh', [
      '-fc',
      `autoload -Uz compinit && compinit -u -D && source <(node ${main} completion zsh) && echo $_comps[kubelab] && _describe() { print -l -- \${(P)4} } && words=(kubelab node d) CURRENT=3 && _kubelab`,
    ]);
    assert.equal(z.code, 0, z.stderr);
    assert.match(z.stdout, /^_kubelab\nadd:.*\ndelete:cordon and drain/);
  });
});
