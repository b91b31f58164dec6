/**
 * The fault suite of issue 16, part two (part one: faults.e2e.ts): the apiserver restarted during
 * watches, etcd restarted under writes, a `kubelab chaos run` of three faults, and the whole lab
 * stopped and started, in a lab of their own with the suite's timings and workload (faults-lib.ts).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { httpProbe, recordWatch, waitFor, type TestLab } from '@kubelab/testkit';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AckedWrite } from '@kubelab/client/watch-history';
import type { ScenarioReport } from '@kubelab/testkit/scenario-report';
import { E2E_ENV, repoRoot } from '../lib/lab.js';
import { run } from '../lib/kubectl.js';
import { FAULT_TIMINGS, live, recovered, useFaultLab, writeConfigMap } from '../lib/faults-lib.js';

describe('faults: the lab heals (restarts)', { timeout: 12 * 60_000 }, () => {
  const f = useFaultLab();
  let lab: TestLab;
  let url = '';
  const { webAvailable } = f;
  before(() => {
    ({ lab, url } = f);
  });

  it('7. the apiserver restarted during watches: the watcher resumes with no gap', async () => {
    const rec = await recordWatch(lab.client, '/api/v1/namespaces/default/configmaps');
    const acked: AckedWrite[] = [];
    let restartedAt = 0;
    let firstAfter = 0;
    let restarting: Promise<unknown> = Promise.resolve();
    let restarted = false; // the restart call returned: the component is up again
    let wasDown = false;
    for (let i = 0; (acked.length < 30 || !restarted) && i < 600; i++) {
      if (acked.length === 10 && !restartedAt) {
        restarting = lab.inject({ kind: 'restart', target: 'apiserver' }); // writes go on meanwhile
        restartedAt = Date.now();
        void restarting.then(() => (restarted = true));
      }
      const w = await writeConfigMap(lab.client, 'default', `watch-${i}`, String(i));
      if (w) acked.push(w);
      if (!w && restartedAt) wasDown = true;
      if (w && wasDown && !firstAfter) firstAfter = Date.now();
      if (!w) await new Promise((r) => setTimeout(r, 200)); // the apiserver is away: try again shortly
    }
    await restarting;
    assert.ok(acked.length >= 30, '30 writes acknowledged');
    const h = await rec.check(acked);
    console.log(`  watch history: ${h.text}`);
    assert.ok(h.ok, h.text);
    assert.ok(
      recovered(
        `7 apiserver restarted (writes again${wasDown ? '' : '; none refused'})`,
        firstAfter ? firstAfter - restartedAt : 0,
        60_000,
      ),
    );
  });

  it('8. etcd restarted: refused meanwhile, then no acknowledged write lost', async () => {
    const acked: AckedWrite[] = [];
    let refused = 0;
    let restartedAt = 0;
    let firstAfter = 0;
    let restarting: Promise<unknown> = Promise.resolve();
    let restarted = false; // the restart call returned: the component is up again
    let wasDown = false;
    for (let i = 0; (acked.length < 20 || !restarted) && i < 600; i++) {
      if (acked.length === 5 && !restartedAt) {
        restarting = lab.inject({ kind: 'restart', target: 'etcd' }); // writes go on meanwhile
        restartedAt = Date.now();
        void restarting.then(() => (restarted = true));
      }
      const w = await writeConfigMap(lab.client, 'default', `etcd-${i}`, String(i));
      if (w) acked.push(w);
      else refused++;
      if (!w && restartedAt) wasDown = true;
      if (w && wasDown && !firstAfter) firstAfter = Date.now();
      if (!w) await new Promise((r) => setTimeout(r, 200));
    }
    await restarting;
    assert.ok(acked.length >= 20, '20 writes acknowledged');
    const present = new Map(
      (
        await lab.client.list<{ metadata: { name: string; resourceVersion: string } }>(
          '/api/v1/namespaces/default/configmaps',
        )
      ).map((c) => [`default/${c.metadata.name}`, Number(c.metadata.resourceVersion)]),
    );
    const lost = acked.filter((w) => !((present.get(w.key) ?? 0) >= w.rv));
    console.log(`  ${refused} writes refused during the restart; ${lost.length} acknowledged writes lost`);
    assert.deepEqual(lost, []);
    assert.ok(
      recovered(
        `8 etcd restarted (writes again${wasDown ? '' : '; none refused'})`,
        firstAfter ? firstAfter - restartedAt : 0,
        60_000,
      ),
    );
  });

  it('14. kubelab chaos run: kube-proxy killed, the scheduler paused, a random web pod killed; reported and healed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chaos-run-'));
    const cli = (file: string, ...args: string[]) =>
      run('node', [join(repoRoot, 'cli/dist/main.js'), '-p', lab.project, 'chaos', 'run', file, ...args], {
        env: { ...process.env, ...E2E_ENV, ...FAULT_TIMINGS },
        timeoutMs: 180_000,
      });
    const file = join(dir, 'scenario.yaml');
    await writeFile(
      file,
      `name: e2e-proxy-and-scheduler
seed: 7
recover: 60s
probes:
  - http: {url: "${url}", timeout: 1s}
    name: web
    interval: 250ms
  - deployment: {name: web}
steps:
  - {at: 0s, fault: kill kube-proxy}
  - {at: 1s, fault: pause scheduler, for: 4s}
  - {at: 2s..3s, fault: kill random pod app=web}
`,
    );
    const t0 = Date.now();
    const r = await cli(file, '--json');
    const wall = Date.now() - t0;
    console.log(r.stderr.trimEnd());
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}${r.stdout}`);
    const report = JSON.parse(r.stdout) as ScenarioReport;
    console.log(`  report: ${JSON.stringify({ steps: report.steps, probes: report.probes })}`);
    assert.deepEqual(
      [report.name, report.seed, report.ok, report.healed, report.leftover],
      ['e2e-proxy-and-scheduler', 7, true, true, []],
    );
    const [kill, pause, pod] = report.steps;
    assert.equal(kill?.target, 'kube-proxy');
    assert.ok(kill.injectedAtMs! >= 0 && kill.doneAtMs! >= kill.injectedAtMs!, JSON.stringify(kill));
    assert.equal(pause?.target, 'scheduler');
    assert.ok(pause.injectedAtMs! >= 1000, JSON.stringify(pause));
    assert.ok(pause.lastedMs! >= 4000 && pause.lastedMs! < 20_000, `paused for ${pause.lastedMs} ms`);
    assert.match(pod?.target ?? '', /^pod\/default\/web-/);
    assert.ok(pod!.injectedAtMs! >= 2000, JSON.stringify(pod));
    assert.ok(report.steps.every((st) => !st.error));
    for (const p of report.probes) {
      assert.deepEqual([p.ok, p.start.ok, p.end.ok], [true, true, true], JSON.stringify(p));
      assert.ok(p.checks > 3, `${p.name}: ${p.checks} checks`);
      for (const o of p.outages) {
        assert.ok(o.toMs !== undefined && o.recoveryMs !== undefined && o.step !== undefined, JSON.stringify(o));
        assert.ok(recovered(`14 chaos run: ${p.name} after step ${o.step}`, o.recoveryMs, 60_000));
      }
    }
    assert.deepEqual(await lab.chaos.faults(), [], 'nothing left in chaos.json');
    for (const c of await lab.chaos.targets('scheduler')) {
      const st = await run('docker', ['inspect', '-f', '{{.State.Running}} {{.State.Paused}}', c.id]);
      assert.equal(st.stdout.trim(), 'true false', `${c.name} runs, not paused`);
    }
    console.log(`  [fault suite] 14 chaos run: ${(wall / 1000).toFixed(1)} s wall`);

    // A probe that fails at the start: no fault injected, exit 1.
    const dead = join(dir, 'dead.yaml');
    await writeFile(
      dead,
      'name: dead\nprobes: [{http: {url: "http://127.0.0.1:1/", timeout: 1s}}]\nsteps: [{at: 0s, fault: pause scheduler}]\n',
    );
    const d = await cli(dead, '--json');
    assert.equal(d.code, 1, d.stderr);
    const dr = JSON.parse(d.stdout) as ScenarioReport;
    assert.deepEqual([dr.ok, dr.probes[0]!.start.ok, dr.steps[0]!.injectedAtMs], [false, false, undefined]);
    assert.deepEqual(await lab.chaos.faults(), []);

    // A bad file: exit 2, the problem with its line and field path.
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'name: bad\nsteps:\n  - {at: 0s, fault: explode scheduler}\n');
    const b = await cli(bad);
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /bad\.yaml:3: steps\[0\]\.fault: Invalid value: "explode scheduler": unknown fault/);
  });

  it('11. the whole lab stopped and started: objects and pods kept, the Service answers again', async () => {
    const cli = (...args: string[]) =>
      run('node', [join(repoRoot, 'cli/dist/main.js'), '-p', lab.project, ...args], {
        env: { ...process.env, ...E2E_ENV, ...FAULT_TIMINGS },
        timeoutMs: 180_000,
      });
    type Obj = { metadata: { name: string; uid?: string; resourceVersion?: string } };
    const ns = 'lab-restart';
    await lab.kubectl(['create', 'namespace', ns]);
    for (let i = 0; i < 20; i++)
      await lab.kubectl(['create', 'configmap', `cm-${i}`, '-n', ns, `--from-literal=i=${i}`]);
    const configMaps = async () =>
      (await lab.client.list<Obj>(`/api/v1/namespaces/${ns}/configmaps`))
        .filter((c) => c.metadata.name.startsWith('cm-'))
        .map((c) => `${c.metadata.name} ${c.metadata.uid} ${c.metadata.resourceVersion}`)
        .sort();
    const webPods = async () =>
      live(await lab.client.pods('default', 'app=web'))
        .map((p) => `${p.metadata.name} ${p.metadata.uid}`)
        .sort();
    const cmBefore = await configMaps();
    const podsBefore = await webPods();
    assert.equal(cmBefore.length, 20);
    assert.equal(podsBefore.length, 3);
    const stopped = await cli('stop');
    assert.equal(stopped.code, 0, stopped.stderr + stopped.stdout);
    const t0 = Date.now();
    const started = await cli('start');
    assert.equal(started.code, 0, started.stderr + started.stdout);
    await waitFor(() => httpProbe('web', url).check(), { timeout: 120_000, what: `${url} answering after start` });
    const back = Date.now() - t0;
    await waitFor(webAvailable(3), { timeout: 120_000, what: 'web available after start' });
    assert.deepEqual(await configMaps(), cmBefore, 'every ConfigMap kept, unchanged');
    assert.deepEqual(await webPods(), podsBefore, 'the same web pods, adopted (none replaced, none doubled)');
    assert.ok(recovered('11 lab stopped and started (web answering after start)', back, 90_000));
    await lab.kubectl(['delete', 'namespace', ns, '--wait=false']);
  });
  // 9-10 (HA: leaders and etcd members lost) need the HA profile: faults-ha.e2e.ts, on an `up --ha` lab of its own.
});
