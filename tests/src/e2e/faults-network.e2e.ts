/**
 * The fault suite of issue 16, part three (part one: faults.e2e.ts): a kubelet's network to the
 * apiserver lossy or slow, and the controller-manager's clock skewed, in a lab of their own with
 * the suite's timings and workload (faults-lib.ts).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  customProbe,
  deploymentAvailable,
  httpProbe,
  isReady,
  startExperiment,
  waitFor,
  type TestLab,
} from '@kubelab/testkit';
import { existsSync } from 'node:fs';
import { E2E_ENV } from '../lib/lab.js';
import { run } from '../lib/kubectl.js';
import { deployment, live, recovered, useFaultLab } from '../lib/faults-lib.js';

describe('faults: the lab heals (network and clock)', { timeout: 12 * 60_000 }, () => {
  const f = useFaultLab();
  let lab: TestLab;
  let url = '';
  before(() => {
    ({ lab, url } = f);
  });

  it('12b. 10% packet loss on a kubelet (no netem here: loss, not delay): its node stays Ready, pods still start', async () => {
    const node = (await lab.client.nodes())[0]!.metadata.name;
    const x = await startExperiment('kubelet with packet loss', [
      customProbe(
        `${node} Ready`,
        'continuous',
        async () => isReady((await lab.client.nodes()).find((n) => n.metadata.name === node)!),
        1000,
      ),
    ]);
    const f = await x.inject(lab, { kind: 'loss', target: node, percent: 10 });
    await lab.apply(deployment('lossy', 2).replace('containers:', `nodeName: ${node}\n      containers:`));
    await waitFor(async () => (await lab.client.deployment('lossy')).status.availableReplicas === 2 || undefined, {
      timeout: 90_000,
      what: `2 pods available on ${node}`,
    });
    const started = Date.now() - f.at;
    await f.heal();
    const r = await x.finish();
    console.log(r.text);
    assert.ok(r.ok, r.text);
    assert.ok(recovered('12b 10% loss on a kubelet (pods started)', started, 60_000));
    await lab.kubectl(['delete', 'deployment', 'lossy', '--wait=false']);
  });

  it('12. 200 ms latency on kubelet↔apiserver (a delay proxy without netem): its node stays Ready, pods still start', async () => {
    const D = 200;
    const node = (await lab.client.nodes())[0]!.metadata.name;
    const readySince = async () =>
      (
        (await lab.client.nodes())
          .find((n) => n.metadata.name === node)!
          .status?.conditions?.find((c) => c.type === 'Ready') as { lastTransitionTime?: string } | undefined
      )?.lastTransitionTime;
    const inspect = async (name: string) => {
      const r = await run('docker', ['inspect', name]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout)[0] as {
        State: { Pid: number };
        NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
      };
    };
    const [kubelet] = await lab.chaos.targets(node);
    const [apiserver] = await lab.chaos.targets('apiserver');
    const pid = (await inspect(kubelet!.id)).State.Pid;
    const apiIp = (await inspect(apiserver!.id)).NetworkSettings.Networks[E2E_ENV.KUBELAB_NETWORK!]!.IPAddress;
    // A TCP connect and TLS handshake to apiserver:7000 from the kubelet's network namespace (root,
    // so not exempt from the REDIRECT): one round trip of what the kubelet sends.
    const hello = `const t=performance.now();const s=require('tls').connect({host:'${apiIp}',port:7000,rejectUnauthorized:false,ALPNProtocols:['h2']},()=>{console.log((performance.now()-t).toFixed(1));s.destroy()});s.on('error',e=>{console.error(e.message);process.exit(1)})`;
    const handshake = async () => {
      const r = await run('nsenter', ['-t', String(pid), '-n', process.execPath, '-e', hello]);
      assert.equal(r.code, 0, r.stderr);
      return Number(r.stdout.trim());
    };
    const inNs = async (argv: string[]) => (await run('nsenter', ['-t', String(pid), '-n', ...argv])).stdout;
    const before = Math.min(await handshake(), await handshake(), await handshake());
    const since = await readySince();

    const x = await startExperiment('kubelet with 200 ms latency to the apiserver', [
      customProbe(
        `${node} Ready`,
        'continuous',
        async () => isReady((await lab.client.nodes()).find((n) => n.metadata.name === node)!),
        1000,
      ),
    ]);
    const f = await x.inject(lab, { kind: 'latency', target: node, delayMs: D });
    const rec = (await lab.chaos.faults()).find((r) => r.kind === 'latency' && r.container.id === kubelet!.id)!;
    console.log(`  fault: ${rec.detail} (proxy PID ${rec.proxyPid})`);
    assert.ok(rec.proxyPid, 'the proxy is recorded');
    assert.match(
      rec.detail,
      new RegExp(`200ms delay to apiserver \\(.*${apiIp.replace(/\./g, '\\.')}:7000.*\\) via a delay proxy`),
    );
    const during = [await handshake(), await handshake(), await handshake()];
    console.log(
      `  TLS handshake to apiserver:7000 from ${node}: ${before.toFixed(1)} ms before, ${during.join(', ')} ms with the fault`,
    );
    assert.ok(Math.min(...during) >= D, `each handshake takes ≥ ${D} ms with the fault`);
    assert.ok(before < D, `and < ${D} ms without (${before} ms)`);

    await lab.apply(deployment('slow', 1).replace('containers:', `nodeName: ${node}\n      containers:`));
    const applied = Date.now();
    await waitFor(async () => (await lab.client.deployment('slow')).status.availableReplicas === 1 || undefined, {
      timeout: 90_000,
      what: `a pod available on ${node}`,
    });
    const started = Date.now() - applied;
    // The kubelet reconnected through the proxy (its established connections were reset).
    const viaProxy = (await inNs(['ss', '-tnH', 'state', 'established', 'src', '127.0.0.1']))
      .split('\n')
      .filter((l) => /^127\.0\.0\.1:39\d\d\d$/.test(l.trim().split(/\s+/)[2] ?? '')).length;
    console.log(`  ${viaProxy} connection(s) of ${node} through the proxy; pod available ${started} ms after apply`);
    assert.ok(viaProxy >= 1, 'the kubelet talks to the apiserver through the proxy');
    assert.ok(started >= D, `the pod took ≥ ${D} ms from apply to available (${started} ms)`);
    // Longer than the node grace period (16 s): a heartbeat lost to the delay would show.
    const hold = 25_000 - (Date.now() - f.at);
    if (hold > 0) await new Promise((r) => setTimeout(r, hold));
    const held = Date.now() - f.at;
    await f.heal();
    const r = await x.finish();
    console.log(r.text);
    assert.ok(r.ok, r.text);
    assert.equal(await readySince(), since, `${node}'s Ready condition never changed`);
    // Healed exactly: no proxy, no rule; handshakes fast again.
    assert.ok(!existsSync(`/proc/${rec.proxyPid}`), 'the proxy is gone');
    assert.doesNotMatch(await inNs(['iptables', '-t', 'nat', '-S']), /kubelab-chaos/);
    const after = Math.min(await handshake(), await handshake(), await handshake());
    console.log(`  after heal: ${after.toFixed(1)} ms; fault held ${held} ms`);
    assert.ok(after < D, `handshake < ${D} ms after heal`);
    assert.ok(held >= 25_000);
    assert.ok(recovered('12 200ms latency on a kubelet (pod available)', started, 60_000));
    await lab.kubectl(['delete', 'deployment', 'slow', '--wait=false']);
  });

  it('13. the controller-manager’s clock skewed +90 s: no node NotReady, no pod evicted, web stays available', async () => {
    type Conditioned = {
      status: { conditions?: { type: string; lastTransitionTime?: string; lastUpdateTime?: string }[] };
    };
    const readySince = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        (await lab.client.list<Conditioned & { metadata: { name: string } }>('/api/v1/nodes')).map((n) => [
          n.metadata.name,
          n.status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '',
        ]),
      );
    const uids = async (): Promise<string[]> =>
      live(await lab.client.pods('default', 'app=web'))
        .map((p) => p.metadata.uid ?? '')
        .sort();
    /** How far the controller-manager's clock is from ours: by the time it stamps a new Deployment's condition. */
    const skewSeen = async (name: string): Promise<number | undefined> => {
      const d = await lab.client.get<Conditioned>(`/apis/apps/v1/namespaces/default/deployments/${name}`);
      const t = d.status.conditions?.find((c) => c.type === 'Progressing')?.lastUpdateTime;
      return t ? Date.parse(t) - Date.now() : undefined; // RFC 3339 seconds: within a second or two
    };
    /**
     * Makes Deployments clock-1, clock-2, ... one after another until the controller-manager stamps
     * one on a clock for which `ok(skew)` holds: a stamp made before it read its clock file again
     * (it looks once a second) shows the clock it had, so it asks for a new Deployment.
     */
    const probes: string[] = [];
    const probeClock = (ok: (skewMs: number) => boolean, what: string) =>
      waitFor(
        async () => {
          const last = probes[probes.length - 1];
          const skew = last === undefined ? undefined : await skewSeen(last);
          if (skew !== undefined && ok(skew)) return true;
          if (last === undefined || skew !== undefined) {
            const name = `clock-${probes.length + 1}`;
            await lab.apply(deployment(name, 1));
            probes.push(name);
          }
          return undefined;
        },
        { timeout: 30_000, what },
      );
    const nodesBefore = await readySince();
    const podsBefore = await uids();
    assert.equal(podsBefore.length, 3);
    const x = await startExperiment('controller-manager clock +90 s', [
      customProbe(
        'every node Ready',
        'continuous',
        async () => (await lab.client.nodes()).every((n) => isReady(n)),
        1000,
      ),
      deploymentAvailable(lab.client, 'web', 'continuous'),
      httpProbe('web answers', url, 'continuous', { intervalMs: 500 }),
    ]);
    const f = await x.inject(lab, { kind: 'clock-skew', target: 'controller-manager', offsetMs: 90_000 });
    await probeClock((skew) => skew > 60_000, "the controller-manager's controllers on a clock 90 s ahead");
    const seen = Date.now() - f.at;
    // Held for longer than the suite's node grace period (16 s) twice over, the monitor (2 s) at work.
    await new Promise((r) => setTimeout(r, 32_000));
    assert.deepEqual(await uids(), podsBefore, 'no web pod evicted or replaced while skewed');
    await f.heal();
    await probeClock((skew) => Math.abs(skew) < 20_000, "the controller-manager's clock back");
    const back = Date.now() - (f.healedAt ?? f.at);
    await new Promise((r) => setTimeout(r, 20_000)); // the -90 s step of the heal, over a grace period too
    const r = await x.finish();
    console.log(r.text);
    assert.ok(r.ok, r.text);
    assert.deepEqual(await uids(), podsBefore, 'no web pod evicted or replaced');
    assert.deepEqual(await readySince(), nodesBefore, "no node's Ready condition changed, even for a moment");
    assert.ok(recovered('13 controller-manager clock +90 s (skew in effect)', seen, 15_000));
    assert.ok(recovered('13 controller-manager clock +90 s (healed: clock back)', back, 15_000));
    await lab.kubectl(['delete', 'deployment', ...probes, '--wait=false']);
  });
});
