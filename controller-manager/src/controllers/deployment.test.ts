import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podTemplateHash, type Deployment, type ReplicaSet } from '@kubelab/api';
import { FakeCluster } from '../testing/cluster.js';
import { deployment, replicaSet } from '../testing/fixtures.js';

const REV = 'deployment.kubernetes.io/revision';
const cond = (d: Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);

test('a new Deployment gets a ReplicaSet <name>-<hash>, revision 1, and a complete status', async () => {
  const c = new FakeCluster();
  const dep = deployment('web', 3);
  dep.metadata.annotations = { 'kubernetes.io/change-cause': 'first' };
  const d0 = await c.api.create('deployments', dep);
  await c.run();
  // The hash of the template as stored (defaulted by the apiserver), as upstream computes it.
  const hash = podTemplateHash(d0.spec.template);
  const [rs, ...more] = c.replicaSetsOf();
  assert.equal(more.length, 0);
  assert.equal(rs!.metadata.name, `web-${hash}`);
  assert.deepEqual(rs!.metadata.labels, { app: 'web', 'pod-template-hash': hash });
  assert.deepEqual(rs!.spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
  assert.deepEqual(rs!.spec.template.metadata?.labels, { app: 'web', 'pod-template-hash': hash });
  assert.deepEqual(rs!.metadata.ownerReferences, [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      uid: d0.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.deepEqual(rs!.metadata.annotations, {
    'kubernetes.io/change-cause': 'first',
    [REV]: '1',
    'deployment.kubernetes.io/desired-replicas': '3',
    'deployment.kubernetes.io/max-replicas': '4',
  });
  const d = c.deployment();
  assert.equal(d.metadata.annotations?.[REV], '1');
  assert.equal(d.metadata.generation, 1, 'the annotation write is not a spec change');
  const { conditions, ...counts } = d.status!;
  assert.deepEqual(counts, {
    observedGeneration: 1,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
  });
  assert.deepEqual(
    conditions!.map((x) => [x.type, x.status, x.reason, x.message]),
    [
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "web-${hash}" has successfully progressed.`],
    ],
  );
  assert.ok(c.recorder.lines().includes(`Normal ScalingReplicaSet Scaled up replica set web-${hash} to 3`));
  assert.equal(c.activePods().length, 3);

  // Settled: another sync writes nothing.
  const writes = c.api.calls.filter((x) => x.verb !== 'get' && x.verb !== 'list').length;
  c.dq.add('default/web');
  c.rq.add(`default/web-${hash}`);
  await c.settle();
  assert.equal(c.api.calls.filter((x) => x.verb !== 'get' && x.verb !== 'list').length, writes);
});

test('the Progressing condition says NewReplicaSetCreated before the pods are up, Available False while none are', async () => {
  const c = new FakeCluster();
  await c.api.create(
    'deployments',
    deployment('web', 2, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }),
  );
  await c.settle();
  const d = c.deployment();
  const rsName = c.replicaSetsOf()[0]!.metadata.name;
  assert.equal(cond(d, 'Progressing')?.reason, 'ReplicaSetUpdated');
  assert.equal(cond(d, 'Progressing')?.message, `ReplicaSet "${rsName}" is progressing.`);
  assert.deepEqual(
    [cond(d, 'Available')?.status, cond(d, 'Available')?.reason],
    ['False', 'MinimumReplicasUnavailable'],
  );
  assert.equal(d.status?.unavailableReplicas, 2);
});

test('scaling resizes the ReplicaSet and its desired-replicas annotation', async () => {
  const c = new FakeCluster();
  await c.api.create('deployments', deployment('web', 2));
  await c.run();
  await c.edit('web', (d) => (d.spec.replicas = 5));
  await c.run();
  const [rs] = c.replicaSetsOf();
  assert.equal(rs!.spec.replicas, 5);
  assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5');
  assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '7');
  assert.ok(c.recorder.lines().includes(`Normal ScalingReplicaSet Scaled up replica set ${rs!.metadata.name} to 5`));
  assert.equal(c.activePods().length, 5);
  await c.edit('web', (d) => (d.spec.replicas = 1));
  await c.run();
  assert.equal(c.activePods().length, 1);
  assert.ok(c.recorder.lines().includes(`Normal ScalingReplicaSet Scaled down replica set ${rs!.metadata.name} to 1`));
  assert.equal(c.deployment().status?.observedGeneration, 3);
});

async function rollingUpdate(
  replicas: number,
  maxSurge: number | string,
  maxUnavailable: number | string,
): Promise<{ c: FakeCluster; maxTotal: number; minReady: number }> {
  const c = new FakeCluster();
  await c.api.create(
    'deployments',
    deployment('web', replicas, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } }),
  );
  await c.run();
  let maxTotal = 0;
  let minReady = Infinity;
  c.after = () => {
    const rss = c.api.objects<ReplicaSet>('replicasets');
    maxTotal = Math.max(
      maxTotal,
      rss.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0),
    );
    const ready = c
      .activePods()
      .filter((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).length;
    minReady = Math.min(minReady, ready);
  };
  await c.edit('web', (d) => {
    d.spec.template.spec.containers[0]!.image = 'nginx:1.26';
    d.metadata.annotations = { 'kubernetes.io/change-cause': 'kubectl set image deployment/web app=nginx:1.26' };
  });
  await c.run(1); // the fake kubelet brings one pod up per round
  return { c, maxTotal, minReady };
}

test('rolling update with maxSurge 1 / maxUnavailable 0 never exceeds 4 pods nor drops below 3 ready', async () => {
  const { c, maxTotal, minReady } = await rollingUpdate(3, 1, 0);
  assert.equal(maxTotal, 4);
  assert.equal(minReady, 3);
  const rss = c
    .replicaSetsOf()
    .sort((a, b) => Number(a.metadata.annotations?.[REV]) - Number(b.metadata.annotations?.[REV]));
  assert.equal(rss.length, 2);
  const [old, cur] = rss;
  assert.deepEqual([old!.spec.replicas, cur!.spec.replicas], [0, 3]);
  assert.deepEqual([old!.metadata.annotations?.[REV], cur!.metadata.annotations?.[REV]], ['1', '2']);
  assert.equal(
    cur!.metadata.annotations?.['kubernetes.io/change-cause'],
    'kubectl set image deployment/web app=nginx:1.26',
  );
  assert.equal(c.deployment().metadata.annotations?.[REV], '2');
  assert.ok(c.activePods().every((p) => p.spec.containers[0]!.image === 'nginx:1.26'));
  const d = c.deployment();
  assert.equal(d.status?.updatedReplicas, 3);
  assert.equal(d.status?.replicas, 3);
  assert.equal(cond(d, 'Progressing')?.reason, 'NewReplicaSetAvailable');
  const lines = c.recorder.lines();
  assert.ok(lines.includes(`Normal ScalingReplicaSet Scaled up replica set ${cur!.metadata.name} to 1`));
  assert.ok(lines.includes(`Normal ScalingReplicaSet Scaled down replica set ${old!.metadata.name} to 2`));
  assert.ok(lines.includes(`Normal ScalingReplicaSet Scaled down replica set ${old!.metadata.name} to 0`));
});

test('rolling update with maxSurge 0 / maxUnavailable 1 stays at 4 pods with at least 3 ready', async () => {
  const { c, maxTotal, minReady } = await rollingUpdate(4, 0, 1);
  assert.equal(maxTotal, 4);
  assert.equal(minReady, 3);
  assert.equal(c.activePods().length, 4);
});

test('rolling update with percentages (10 replicas, 25%/25%) stays within 13 pods and 8 ready', async () => {
  const { c, maxTotal, minReady } = await rollingUpdate(10, '25%', '25%');
  assert.ok(maxTotal <= 13, `max ${maxTotal}`);
  assert.ok(minReady >= 8, `min ready ${minReady}`);
  assert.equal(c.activePods().length, 10);
});

test('going back to an old template reuses its ReplicaSet with the next revision', async () => {
  const c = new FakeCluster();
  await c.api.create('deployments', deployment('web', 2));
  await c.run();
  const first = c.replicaSetsOf()[0]!.metadata.name;
  await c.edit('web', (d) => (d.spec.template.spec.containers[0]!.image = 'nginx:2'));
  await c.run();
  await c.edit('web', (d) => (d.spec.template.spec.containers[0]!.image = 'nginx:1.25'));
  await c.run();
  const rss = c.replicaSetsOf();
  assert.equal(rss.length, 2);
  const back = rss.find((rs) => rs.metadata.name === first)!;
  assert.equal(back.metadata.annotations?.[REV], '3');
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(back.spec.replicas, 2);
  assert.equal(c.deployment().metadata.annotations?.[REV], '3');
});

test('Recreate: old pods are gone before the new ReplicaSet is created', async () => {
  const c = new FakeCluster();
  await c.api.create('deployments', deployment('web', 2, { strategy: { type: 'Recreate' } }));
  await c.run();
  // bind the pods so that their deletion is graceful (the fake kubelet finishes it later)
  for (const p of c.api.objects<import('@kubelab/api').Pod>('pods'))
    await c.api.bind('default', p.metadata.name!, 'n1');
  await c.edit('web', (d) => (d.spec.template.spec.containers[0]!.image = 'nginx:2'));
  await c.settle();
  assert.equal(c.replicaSetsOf().length, 1, 'no new ReplicaSet while old pods terminate');
  assert.equal(c.replicaSetsOf()[0]!.spec.replicas, 0);
  for (const p of c.api.objects<import('@kubelab/api').Pod>('pods'))
    await c.api.finishPodDeletion('default', p.metadata.name!);
  await c.run();
  const rss = c.replicaSetsOf();
  assert.equal(rss.length, 2);
  assert.equal(rss.find((rs) => rs.metadata.annotations?.[REV] === '2')!.spec.replicas, 2);
  assert.ok(c.activePods().every((p) => p.spec.containers[0]!.image === 'nginx:2'));
  assert.equal(c.activePods().length, 2);
});

test('paused: no rollout (but scaling works), Progressing Unknown DeploymentPaused; resume rolls out', async () => {
  const c = new FakeCluster();
  await c.api.create('deployments', deployment('web', 2));
  await c.run();
  await c.edit('web', (d) => {
    d.spec.paused = true;
    d.spec.template.spec.containers[0]!.image = 'nginx:2';
  });
  await c.run();
  assert.equal(c.replicaSetsOf().length, 1);
  const p = cond(c.deployment(), 'Progressing');
  assert.deepEqual([p?.status, p?.reason, p?.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);
  await c.edit('web', (d) => (d.spec.replicas = 3));
  await c.run();
  assert.equal(c.replicaSetsOf()[0]!.spec.replicas, 3);
  await c.edit('web', (d) => (d.spec.paused = false));
  await c.run();
  assert.equal(c.replicaSetsOf().length, 2);
  assert.ok(c.activePods().every((x) => x.spec.containers[0]!.image === 'nginx:2'));
  assert.equal(cond(c.deployment(), 'Progressing')?.reason, 'NewReplicaSetAvailable');
});

test('revisionHistoryLimit removes the oldest scaled-down ReplicaSets', async () => {
  const c = new FakeCluster();
  await c.api.create('deployments', deployment('web', 1, { revisionHistoryLimit: 1 }));
  await c.run();
  for (const img of ['a', 'b', 'c']) {
    await c.edit('web', (d) => (d.spec.template.spec.containers[0]!.image = img));
    await c.run();
  }
  const revs = c
    .replicaSetsOf()
    .map((rs) => rs.metadata.annotations?.[REV])
    .sort();
  assert.deepEqual(revs, ['3', '4']);
});

test('orphan ReplicaSets matching the selector are adopted; non-matching owned ones released', async () => {
  const c = new FakeCluster();
  const hash = podTemplateHash(deployment('web', 1).spec.template);
  const orphan = replicaSet(`web-${hash}`, 1, { app: 'web', 'pod-template-hash': hash });
  orphan.spec.template = {
    metadata: { labels: { app: 'web', 'pod-template-hash': hash } },
    spec: deployment('web', 1).spec.template.spec,
  };
  await c.api.create('replicasets', orphan);
  const d = await c.api.create('deployments', deployment('web', 1));
  const stray = replicaSet('stray', 0, { app: 'other' });
  stray.metadata.ownerReferences = [
    { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid!, controller: true },
  ];
  await c.api.create('replicasets', stray);
  await c.run();
  const rss = c.replicaSetsOf();
  assert.deepEqual(
    rss.map((rs) => rs.metadata.name),
    [`web-${hash}`],
    'adopted, and no second ReplicaSet created',
  );
  assert.equal(c.api.peek<ReplicaSet>('replicasets', 'default', 'stray')!.metadata.ownerReferences, undefined);
  assert.equal(c.activePods().length, 1);
});

test('a name collision with a foreign ReplicaSet bumps collisionCount and uses another hash', async () => {
  const c = new FakeCluster();
  const d = await c.api.create('deployments', deployment('web', 1));
  const hash = podTemplateHash(d.spec.template);
  await c.api.create('replicasets', replicaSet(`web-${hash}`, 0, { unrelated: 'x' }));
  await assert.rejects(c.settle(), /already exists/);
  assert.equal(c.deployment().status?.collisionCount, 1);
  await c.run();
  const [rs] = c.replicaSetsOf();
  assert.equal(rs!.metadata.name, `web-${podTemplateHash(d.spec.template, 1)}`);
  assert.notEqual(rs!.metadata.name, `web-${hash}`);
  assert.equal(c.activePods().length, 1);
});

test('a resize in the middle of a rollout is spread proportionally', async () => {
  const c = new FakeCluster();
  await c.api.create(
    'deployments',
    deployment('web', 10, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }),
  );
  await c.run();
  await c.edit('web', (d) => (d.spec.template.spec.containers[0]!.image = 'nginx:2'));
  await c.settle(); // no pod becomes ready: the rollout is stuck half-way
  const before = c.replicaSetsOf().map((rs) => rs.spec.replicas ?? 0);
  assert.equal(
    before.reduce((a, b) => a + b, 0),
    13,
  );
  await c.edit('web', (d) => (d.spec.replicas = 20));
  await c.settle();
  const sizes = c.replicaSetsOf().map((rs) => [rs.metadata.annotations?.[REV], rs.spec.replicas]);
  const total = sizes.reduce((n, [, r]) => n + (r as number), 0);
  assert.equal(total, 23, `sizes ${JSON.stringify(sizes)}`);
  for (const rs of c.replicaSetsOf())
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '20');
  await c.run();
  assert.equal(c.activePods().length, 20);
});

test('deleting Deployment: status only, no new ReplicaSet', async () => {
  const c = new FakeCluster();
  await c.api.create('deployments', deployment('web', 1));
  await c.run();
  await c.api.delete('deployments', 'default', 'web', { propagationPolicy: 'Foreground' });
  await c.edit('web', (d) => (d.spec.template.spec.containers[0]!.image = 'x'));
  await c.run();
  assert.equal(c.replicaSetsOf().length, 1);
});

test('a lagging ReplicaSet cache does not make the controller create the new ReplicaSet twice', async () => {
  const c = new FakeCluster();
  await c.api.create('deployments', deployment('web', 3));
  await c.run();
  c.replicasets.hold();
  await c.edit('web', (d) => (d.spec.template.spec.containers[0]!.image = 'nginx:2'));
  await c.dc.reconcile('default/web');
  await c.dc.reconcile('default/web');
  assert.equal(c.api.count('create', 'replicasets'), 2);
  c.replicasets.release();
  await c.run();
  assert.equal(c.replicaSetsOf().length, 2);
  assert.ok(c.activePods().every((p) => p.spec.containers[0]!.image === 'nginx:2'));
});
