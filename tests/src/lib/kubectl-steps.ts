/**
 * The kubectl compatibility steps, run in order by tests/src/e2e/kubectl.e2e.ts once per kubectl
 * version, each version in its own namespace. Each step checks upstream's output shape.
 */
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { stream } from './kubectl-matrix.js';
import { cm, deploy, file, header, match, runningPod, tmp, type Step } from './kubectl-steps-util.js';
import { RUNTIME_STEPS } from './kubectl-steps-runtime.js';

export type { Step };

export const STEPS: Step[] = [
  {
    name: 'create namespace',
    fn: async (c) => {
      await c.ok(['delete', 'namespace', c.ns, '--ignore-not-found', '--timeout=120s']); // a kept lab's last run
      match(await c.ok(['create', 'namespace', c.ns]), new RegExp(`^namespace/${c.ns} created`));
    },
  },
  {
    name: 'apply -f (created/configured/unchanged)',
    fn: async (c) => {
      match(await c.ok(['apply', '-f', file(`d1-${c.ns}.yaml`, deploy(1))]), /^deployment.apps\/web created/);
      match(
        await c.ok(['apply', '-f', file(`d2-${c.ns}.yaml`, deploy(2, ', tier: front'))]),
        /^deployment.apps\/web configured/,
      );
      match(await c.ok(['apply', '-f', join(tmp, `d2-${c.ns}.yaml`)]), /^deployment.apps\/web unchanged/);
    },
  },
  {
    name: 'wait --for=condition=Available',
    fn: async (c) =>
      match(
        await c.ok(['wait', '--for=condition=Available', 'deployment/web', '--timeout=90s']),
        /^deployment.apps\/web condition met/,
      ),
  },
  {
    name: 'apply --server-side',
    fn: async (c) =>
      match(
        await c.ok(['apply', '--server-side', '-f', file(`ssa-${c.ns}.yaml`, cm('ssa', 'v1'))]),
        /^configmap\/ssa serverside-applied/,
      ),
  },
  {
    name: 'create -f / replace -f',
    fn: async (c) => {
      match(await c.ok(['create', '-f', file(`cm1-${c.ns}.yaml`, cm('cm1', 'a'))]), /^configmap\/cm1 created/);
      match(await c.ok(['replace', '-f', file(`cm1b-${c.ns}.yaml`, cm('cm1', 'b'))]), /^configmap\/cm1 replaced/);
      assert.equal(await c.ok(['get', 'cm', 'cm1', '-o', 'jsonpath={.data.key}']), 'b');
    },
  },
  {
    name: 'create <kind> (generators)',
    fn: async (c) => {
      match(await c.ok(['create', 'deployment', 'd2', '--image=kubelab/echo']), /^deployment.apps\/d2 created/);
      match(await c.ok(['create', 'configmap', 'c2', '--from-literal=a=b']), /^configmap\/c2 created/);
      match(await c.ok(['create', 'secret', 'generic', 's1', '--from-literal=k=v']), /^secret\/s1 created/);
      match(await c.ok(['create', 'service', 'clusterip', 'svc1', '--tcp=80:80']), /^service\/svc1 created/);
      match(
        await c.ok(['create', 'job', 'j1', '--image=kubelab/busybox', '--', 'echo', 'hi']),
        /^job.batch\/j1 created/,
      );
    },
  },
  {
    name: 'run',
    fn: async (c) =>
      match(await c.ok(['run', 'p', '--image=kubelab/busybox', '--', 'sleep', '3600']), /^pod\/p created/),
  },
  {
    name: 'expose (ClusterIP/NodePort/LoadBalancer)',
    fn: async (c) => {
      match(await c.ok(['expose', 'deployment', 'web', '--port=80']), /^service\/web exposed/);
      match(
        await c.ok(['expose', 'deployment', 'web', '--port=80', '--type=NodePort', '--name=web-np']),
        /^service\/web-np exposed/,
      );
      match(
        await c.ok(['expose', 'deployment', 'web', '--port=80', '--type=LoadBalancer', '--name=web-lb']),
        /^service\/web-lb exposed/,
      );
      const out = await c.ok(['get', 'svc']);
      header(out, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      match(out, /\nweb-np\s+NodePort\s+\S+\s+<none>\s+80:\d+\/TCP/);
      match(out, /\nweb-lb\s+LoadBalancer\s+\S+\s+\S+\s+80:\d+\/TCP/);
    },
  },
  {
    name: 'get (-o wide/yaml/json/name/jsonpath)',
    fn: async (c) => {
      await runningPod(c, 'app=web');
      header(await c.ok(['get', 'pods', '-o', 'wide']), [
        'NAME',
        'READY',
        'STATUS',
        'RESTARTS',
        'AGE',
        'IP',
        'NODE',
        'NOMINATED NODE',
        'READINESS GATES',
      ]);
      match(await c.ok(['get', 'deploy', 'web', '-o', 'yaml']), /^apiVersion: apps\/v1\nkind: Deployment\n/);
      assert.equal((await c.json<{ kind: string }>(['get', 'deploy', 'web'])).kind, 'Deployment');
      assert.equal((await c.ok(['get', 'deploy', '-o', 'name'])).split('\n').includes('deployment.apps/web'), true);
      assert.equal(await c.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '2');
    },
  },
  {
    name: 'get -A / -l / --show-labels / all',
    fn: async (c) => {
      header(await c.ok(['get', 'deploy', '-A']), ['NAMESPACE', 'NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      const l = await c.ok(['get', 'pods', '-l', 'app=web', '--show-labels']);
      header(l, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'LABELS']);
      assert.equal(l.trim().split('\n').length, 3, l);
      const all = await c.ok(['get', 'all']);
      for (const s of ['pod/p', 'service/web ', 'deployment.apps/web ', 'replicaset.apps/web-', 'job.batch/j1'])
        assert.ok(all.includes(s), `get all lacks ${s}:\n${all}`);
    },
  },
  {
    name: 'get -w',
    fn: async (c) => {
      const w = stream(c.bin, ['-n', c.ns, 'get', 'configmaps', '-w'], { ...process.env, KUBECONFIG: c.kubeconfig });
      try {
        await w.until(/\ncm1\s/);
        await c.ok(['create', 'configmap', 'watched']);
        await w.until(/\nwatched\s+0\s/);
      } finally {
        w.stop();
      }
    },
  },
  {
    name: 'describe pod/deploy/node/svc',
    fn: async (c) => {
      const node = (await c.ok(['get', 'nodes', '-o', 'name'])).split('\n')[0]!;
      for (const what of [['pod', 'p'], ['deployment', 'web'], [node], ['service', 'web']]) {
        const out = await c.ok(['describe', ...what]);
        match(out, /^Name:\s+\S+/);
        match(out, /\nEvents:/);
      }
      match(await c.ok(['describe', 'pod', 'p']), /Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n[\s\S]*Scheduled/);
    },
  },
  {
    name: 'scale',
    fn: async (c) => match(await c.ok(['scale', 'deployment', 'web', '--replicas=3']), /^deployment.apps\/web scaled/),
  },
  {
    name: 'set image',
    fn: async (c) =>
      match(
        await c.ok(['set', 'image', 'deployment/web', 'echo=kubelab/echo:1']),
        /^deployment.apps\/web image updated/,
      ),
  },
  {
    name: 'rollout status/history/undo',
    fn: async (c) => {
      match(
        await c.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']),
        /deployment "web" successfully rolled out/,
      );
      match(
        await c.ok(['rollout', 'history', 'deployment/web']),
        /^deployment.apps\/web \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/,
      );
      match(await c.ok(['rollout', 'undo', 'deployment/web']), /^deployment.apps\/web rolled back/);
      await c.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    },
  },
  {
    name: 'rollout restart/pause/resume',
    fn: async (c) => {
      match(await c.ok(['rollout', 'restart', 'deployment/web']), /^deployment.apps\/web restarted/);
      await c.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
      match(await c.ok(['rollout', 'pause', 'deployment/web']), /^deployment.apps\/web paused/);
      match(await c.ok(['rollout', 'resume', 'deployment/web']), /^deployment.apps\/web resumed/);
    },
  },
  {
    name: 'label / annotate',
    fn: async (c) => {
      match(await c.ok(['label', 'pod', 'p', 'team=blue']), /^pod\/p labeled/);
      // kubectl 1.27 itself prints "annotate" (upstream wording of that release).
      match(
        await c.ok(['annotate', 'pod', 'p', 'note=hi']),
        c.label === '1.27' ? /^pod\/p annotated?\n/ : /^pod\/p annotated\n/,
      );
      assert.equal(
        await c.ok(['get', 'pod', 'p', '-o', 'jsonpath={.metadata.labels.team}/{.metadata.annotations.note}']),
        'blue/hi',
      );
    },
  },
  {
    name: 'edit',
    fn: async (c) => {
      const editor = file(`editor-${c.ns}.sh`, '#!/bin/sh\nsed -i "s/key: b/key: edited/" "$1"\n');
      chmodSync(editor, 0o755);
      match(
        await c.ok(['edit', 'configmap', 'cm1'], { env: { EDITOR: editor, KUBE_EDITOR: editor } }),
        /^configmap\/cm1 edited/,
      );
      assert.equal(await c.ok(['get', 'cm', 'cm1', '-o', 'jsonpath={.data.key}']), 'edited');
    },
  },
  ...RUNTIME_STEPS,
];
