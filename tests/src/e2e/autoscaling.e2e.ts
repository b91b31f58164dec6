/**
 * Autoscaling and disruption: `kubectl autoscale` on a Deployment whose pods burn CPU while a
 * ConfigMap says so, watched with `kubectl get hpa -w` through a scale-up and, after the load
 * stops, a scale-down (the lab's downscale stabilization shortened to 30 s); node metrics that
 * include the node's own usage; `kubectl drain` held back by a PodDisruptionBudget.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { run, waitFor } from '../lib/kubectl.js';
import { useE2eLab } from '../lib/e2e-lab.js';
import { findKubectl, stream } from '../lib/kubectl-matrix.js';

const BURN = `apiVersion: v1
kind: ConfigMap
metadata: {name: load}
data: {mode: "on"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: burn}
spec:
  replicas: 1
  selector: {matchLabels: {app: burn}}
  template:
    metadata: {labels: {app: burn}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: burn
        image: kubelab/busybox
        # Busy while /load/mode (a ConfigMap the kubelet keeps current) says "on", idle otherwise.
        command: ["sh", "-c", "trap 'exit 0' TERM; while true; do if [ \\"$(cat /load/mode)\\" = on ]; then i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; else sleep 1; fi; done"]
        resources: {requests: {cpu: 100m}}
        volumeMounts: [{name: load, mountPath: /load}]
      volumes: [{name: load, configMap: {name: load}}]
`;

const PDB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: guarded}
spec:
  replicas: 3
  selector: {matchLabels: {app: guarded}}
  template:
    metadata: {labels: {app: guarded}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: c, image: kubelab/busybox, command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: guarded}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: guarded}}
`;

interface Hpa {
  spec: { maxReplicas: number };
  status: {
    currentReplicas?: number;
    desiredReplicas?: number;
    conditions?: { type: string; status: string; reason: string }[];
  };
}

interface PodList {
  items: {
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status: { phase?: string; conditions?: { type: string; status: string }[] };
  }[];
}

describe('autoscaling: HPA on CPU, node metrics, disruption budgets', { timeout: 20 * 60_000 }, () => {
  const lab = useE2eLab(2, { KUBELAB_HPA_DOWNSCALE_STABILIZATION_SECONDS: '30' });
  const replicas = async (): Promise<number> =>
    (await lab.kJson<{ spec: { replicas: number } }>(['get', 'deploy', 'burn'])).spec.replicas;

  it('kubectl autoscale: the burning Deployment is scaled up, and back down after the load stops; get hpa -w shows it', async () => {
    await lab.kOk(['apply', '-f', '-'], BURN);
    await lab.kOk(['autoscale', 'deployment', 'burn', '--cpu-percent=50', '--min=1', '--max=3']);
    const watch = stream('kubectl', ['get', 'hpa', 'burn', '-w'], { ...process.env, KUBECONFIG: lab.kubeconfig });
    // A row: NAME REFERENCE "cpu:" N%/50% MINPODS MAXPODS REPLICAS AGE.
    const rows = (): string[][] =>
      watch
        .output()
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/));
    const peak = (): number => rows().findIndex((r) => Number(r[6]) >= 2);
    try {
      await waitFor(
        'the HPA to scale burn up',
        async () => ((await replicas()) >= 2 ? true : undefined),
        180_000,
        1000,
      );
      await waitFor('get hpa -w to show the scale-up', async () => (peak() >= 0 ? true : undefined), 120_000);
      const up = await lab.kOk(['describe', 'hpa', 'burn']);
      assert.match(
        up,
        /SuccessfulRescale\s.*New size: [23]; reason: cpu resource utilization \(percentage of request\) above target/,
      );
      assert.match(up, /ScalingActive\s+True\s+ValidMetricFound/);
      await lab.kOk(['patch', 'configmap', 'load', '-p', '{"data":{"mode":"off"}}']);
      await waitFor(
        'the HPA to scale burn back down to 1',
        async () => ((await replicas()) === 1 ? true : undefined),
        300_000,
        1000,
      );
      await waitFor(
        'get hpa -w to show the scale-down',
        async () =>
          rows()
            .slice(peak())
            .some((r) => r[6] === '1')
            ? true
            : undefined,
        120_000,
      );
    } finally {
      watch.stop();
    }
    const lines = watch.output().trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE/);
    for (const r of rows().slice(peak())) assert.match(`${r[2]} ${r[3]}`, /^cpu: (\d+|<unknown>)%?\/50%$/);
    assert.ok(
      rows().some((r) => /^cpu: \d+%\/50%$/.test(`${r[2]} ${r[3]}`)),
      "upstream's cpu: N%/50%",
    );
    const hpa = await lab.kJson<Hpa>(['get', 'hpa', 'burn']);
    assert.deepEqual(
      hpa.status.conditions?.map((c) => c.type),
      ['AbleToScale', 'ScalingActive', 'ScalingLimited'],
    );
    assert.match(await lab.kOk(['describe', 'hpa', 'burn']), /New size: 1; reason: All metrics below target/);
  });

  it('autoscaling/v1 as kubectl 1.27 writes it reads back as v1, the CPU target kept', async (t) => {
    const old = findKubectl('kubectl.1.27');
    if (!old) {
      t.skip('kubectl.1.27 is not installed here');
      return;
    }
    const out = await lab.kOk([
      'get',
      'horizontalpodautoscalers.v1.autoscaling',
      'burn',
      '-o',
      'jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}',
    ]);
    assert.equal(out, 'autoscaling/v1 50');
    const r = await run(
      old,
      [
        'autoscale',
        'deployment',
        'burn',
        '--name=other',
        '--max=2',
        '--cpu-percent=70',
        '--dry-run=server',
        '-o',
        'jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}',
      ],
      { env: { ...process.env, KUBECONFIG: lab.kubeconfig } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'autoscaling/v1 70');
  });

  it("kubectl top nodes counts the node's own usage", async () => {
    const out = await waitFor(
      'node metrics',
      async () => {
        const r = await lab.k(['top', 'nodes', '--no-headers']);
        return r.code === 0 && r.stdout.trim().split('\n').length === 2 ? r.stdout : undefined;
      },
      60_000,
    );
    for (const line of out.trim().split('\n')) {
      const [, cpu, , mem] = line.trim().split(/\s+/);
      assert.ok(Number.parseInt(cpu!, 10) > 0 || Number.parseInt(mem!, 10) > 0, `a node uses something: ${line}`);
      assert.ok(Number.parseInt(mem!, 10) > 0, `the kubelet's own memory is counted: ${line}`);
    }
  });

  it('kubectl drain respects a PodDisruptionBudget: evictions wait (429) until replacements are ready', async () => {
    await lab.kOk(['scale', 'deploy', 'burn', '--replicas=0']);
    await lab.kOk(['apply', '-f', '-'], PDB);
    const ready = (l: PodList) =>
      l.items.filter(
        (p) =>
          !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
    const pods = await waitFor(
      '3 guarded pods ready',
      async () => {
        const l = await lab.kJson<PodList>(['get', 'pods', '-l', 'app=guarded']);
        return ready(l).length === 3 ? l : undefined;
      },
      120_000,
    );
    await waitFor(
      'the budget computed',
      async () => (/guarded\s+2\s+N\/A\s+1\s/.test(await lab.kOk(['get', 'pdb', 'guarded'])) ? true : undefined),
      60_000,
    );
    const perNode = new Map<string, number>();
    for (const p of pods.items) perNode.set(p.spec.nodeName!, (perNode.get(p.spec.nodeName!) ?? 0) + 1);
    const [busiest] = [...perNode.entries()].sort((a, b) => b[1] - a[1])[0]!;
    assert.equal(perNode.get(busiest), 2, `two of the three pods on one node: ${JSON.stringify([...perNode])}`);
    let minHealthy = 3;
    const watcher = setInterval(() => {
      void lab.kJson<PodList>(['get', 'pods', '-l', 'app=guarded']).then(
        (l) => (minHealthy = Math.min(minHealthy, ready(l).length)),
        () => undefined,
      );
    }, 500);
    let drain;
    try {
      drain = await lab.k(['drain', busiest, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=240s']);
    } finally {
      clearInterval(watcher);
      await lab.k(['uncordon', busiest]);
    }
    const log = `${drain.stdout}\n${drain.stderr}`;
    assert.equal(drain.code, 0, log);
    assert.match(log, new RegExp(`node/${busiest} drained`));
    // kubectl evicts both pods at once: the budget lets one go and answers 429 for the other until its replacement is ready.
    assert.match(
      log,
      /error when evicting pods\/"guarded-\S+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./,
    );
    assert.ok(minHealthy >= 2, `never fewer than 2 healthy guarded pods (saw ${minHealthy})`);
    const after = await lab.kJson<PodList>(['get', 'pods', '-l', 'app=guarded']);
    assert.ok(ready(after).every((p) => p.spec.nodeName !== busiest));
  });
});
