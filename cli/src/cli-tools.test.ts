import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import type { LabContainer } from './docker.js';
import { completionEntries, completionScript, valueFlags } from './completion.js';
import { asKubectlList, listPath, logFile } from './export-logs.js';
import { listTable, summarizeLabs } from './list.js';
import { checkSince, pickContainer } from './logs.js';

const c = (name: string, labels: Record<string, string>, state = 'running'): LabContainer => ({
  id: `${name}-0123456789abcdef`,
  name,
  labels,
  state,
  status: '',
  image: 'i',
});
const comp = (project: string, service: string, n = 1, state = 'running') =>
  c(
    `${project}_${service}_${n}`,
    {
      'io.kubelab.cluster': project,
      'io.kubelab.component': service,
      'com.docker.compose.project': project,
      'com.docker.compose.service': service,
    },
    state,
  );
const joined = (project: string, name: string) =>
  c(name, {
    'io.kubelab.cluster': project,
    'io.kubelab.component': 'kubelet',
    'io.kubelab.project': project,
    'io.kubelab.joined': '1',
  });
const podc = (project: string, pod: string, container: string) =>
  c(`k8s_${container}_${pod}`, {
    'io.kubelab.cluster': project,
    'io.kubernetes.pod.name': pod,
    'io.kubernetes.pod.namespace': 'default',
    'io.kubernetes.container.name': container,
  });

describe('list', () => {
  it('groups containers by cluster with state and node counts', () => {
    const labs = summarizeLabs([
      comp('b', 'apiserver'),
      { ...comp('b', 'apiserver-lb'), ports: [{ private: 6443, public: 16444, ip: '127.0.0.1' }] },
      comp('b', 'kubelet', 1),
      comp('b', 'kubelet', 2, 'exited'),
      comp('a', 'apiserver', 1, 'exited'),
      joined('b', 'b-node-1'),
      podc('b', 'web', 'main'),
      podc('gone', 'web', 'main'),
    ]);
    assert.deepEqual(
      labs.map((l) => [l.project, l.state, l.nodes.running, l.nodes.total, l.pods]),
      [
        ['a', 'stopped', 0, 0, 0],
        ['b', 'degraded (4/5 components running)', 2, 3, 1],
        ['gone', 'removed (pod containers left: kubelab down removes them)', 0, 0, 1],
      ],
    );
    assert.equal(labs[1]!.api, 'https://127.0.0.1:16444');
    assert.match(listTable(labs)[0]!, /^NAME\s+STATE\s+NODES\s+COMPONENTS\s+POD CONTAINERS\s+API\s+CLUSTER$/);
  });
});

describe('logs', () => {
  const all = [
    comp('p', 'apiserver'),
    comp('p', 'scheduler'),
    comp('p', 'kubelet', 1),
    comp('p', 'kubelet', 2),
    joined('p', 'p-node-1'),
    podc('p', 'web', 'main'),
  ];
  it('finds a component by service, component or container name, and a node by its name', () => {
    assert.equal(pickContainer(all, 'apiserver', 'p').name, 'p_apiserver_1');
    assert.equal(pickContainer(all, 'p_scheduler_1', 'p').name, 'p_scheduler_1');
    assert.equal(pickContainer(all, 'p-kubelet-2', 'p').name, 'p_kubelet_2');
    assert.equal(pickContainer(all, 'p-node-1', 'p').name, 'p-node-1');
  });
  it('says what there is when the name is ambiguous or unknown', () => {
    assert.throws(
      () => pickContainer(all, 'kubelet', 'p'),
      /kubelet has 3 containers in lab p: name a node: p-kubelet-1, p-kubelet-2, p-node-1/,
    );
    assert.throws(
      () => pickContainer(all, 'etcd', 'p'),
      /no component or node "etcd" in lab p: components apiserver, scheduler; nodes p-kubelet-1, p-kubelet-2, p-node-1/,
    );
    assert.throws(() => pickContainer([], 'etcd', 'p'), /lab p has no containers/);
  });
  it('takes --since as docker does', () => {
    for (const ok of ['10m', '1h30m', '45s', '2026-12-01', '2026-12-01T10:00:00Z', '1764000000'])
      assert.equal(checkSince(ok), ok);
    assert.throws(() => checkSince('yesterday'), /--since: Invalid value: "yesterday"/);
  });
});

describe('export logs', () => {
  it('names log files by component and by pod, skipping sandboxes', () => {
    assert.equal(logFile(comp('p', 'apiserver')), 'components/p_apiserver_1.log');
    assert.equal(logFile(podc('p', 'web-1', 'main')), 'pods/default_web-1/main-k8s_main_web.log');
    assert.equal(logFile(podc('p', 'web-1', 'POD')), undefined);
  });
  it('writes lists as kubectl does', () => {
    assert.equal(listPath('v1', 'pods'), '/api/v1/pods');
    assert.equal(listPath('apps/v1', 'deployments'), '/apis/apps/v1/deployments');
    assert.deepEqual(asKubectlList({ kind: 'PodList', items: [{ metadata: { name: 'a' } }] }, 'v1', 'Pod'), {
      apiVersion: 'v1',
      kind: 'List',
      items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }],
    });
  });
});

describe('completion', () => {
  const program = new Command('kubelab').option('-p, --project <name>', 'lab').version('1', '--version');
  const node = program.command('node').description('nodes');
  node.command('add').option('--name <n>', 'name').option('--force', 'force');
  program.command('completion').argument('<shell>');
  program.command('__nodes', { hidden: true });
  it('lists each command path with its subcommands, options and known argument values', () => {
    const byPath = new Map(completionEntries(program).map((e) => [e.path, e.words.map((w) => w.word)]));
    assert.deepEqual(byPath.get(''), ['node', 'completion', '--project', '-p', '--version', '--help']);
    assert.deepEqual(byPath.get('node add'), ['--name', '--force', '--project', '-p', '--help']);
    assert.deepEqual(byPath.get('completion'), ['bash', 'zsh', '--project', '-p', '--help']);
    assert.deepEqual(valueFlags(program), ['--name', '--project', '-p']);
  });
  it('writes scripts that register the function', () => {
    assert.match(completionScript(program, 'bash'), /complete -F _kubelab kubelab \.\/kubelab\n$/);
    assert.match(completionScript(program, 'zsh'), /^#compdef kubelab\n[\s\S]*compdef _kubelab kubelab\n$/);
    assert.doesNotMatch(
      completionScript(program, 'bash').split('__nodes 2>/dev/null')[0]!,
      /__nodes/,
      'hidden commands are not offered',
    );
  });
});
