/**
 * Events as upstream, end to end on a lab with the real kubelet and the real kubectl (1.27 and
 * the default): a crash-looping pod's repeats are one Event each (`describe` shows `(xN over …)`),
 * a pod failing its readiness probe every second is held to the recorder's burst of 25 writes,
 * Events go by themselves after KUBELAB_EVENT_TTL, and `kubectl events` / events.k8s.io/v1 see them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { run, waitFor } from '../lib/kubectl.js';
import { findKubectl } from '../lib/kubectl-matrix.js';
import { serviceContainers, useE2eLab } from '../lib/e2e-lab.js';

interface Ev {
  metadata: { name: string };
  reason: string;
  count?: number;
  source?: { component?: string };
}

const PODS = `apiVersion: v1
kind: Pod
metadata: {name: crashy}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: app, image: kubelab/busybox, command: ["sh", "-c", "exit 1"]}
---
apiVersion: v1
kind: Pod
metadata: {name: unready}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: kubelab/busybox
    command: ["sleep", "3600"]
    readinessProbe: {exec: {command: ["false"]}, periodSeconds: 1, failureThreshold: 1}
`;

const EVENT = `apiVersion: v1
kind: Event
metadata: {name: short-lived}
involvedObject: {kind: Pod, name: crashy, namespace: default}
reason: Testing
message: goes by itself
type: Normal
`;

describe('events: aggregation, rate limit, TTL, kubectl events', { timeout: 15 * 60_000 }, () => {
  const TTL = 60;
  const lab = useE2eLab(1, { KUBELAB_EVENT_TTL: String(TTL) });
  const eventsOf = async (pod: string): Promise<Ev[]> =>
    (await lab.kJson<{ items: Ev[] }>(['get', 'events', '--field-selector', `involvedObject.name=${pod}`])).items;

  it("a crash loop's repeats update one Event per reason: describe shows (xN over …)", async () => {
    await lab.kOk(['apply', '-f', '-'], PODS);
    const out = await waitFor(
      'describe pod crashy shows Created (x3 over …)',
      async () => {
        const d = await lab.kOk(['describe', 'pod', 'crashy']);
        return /Normal\s+Created\s+\S+ \(x([3-9]|\d\d) over \S+\)\s+kubelet\s+Created container: app/.test(d)
          ? d
          : undefined;
      },
      180_000,
    );
    assert.match(
      out,
      /Warning\s+BackOff\s+\S+( \(x\d+ over \S+\))?\s+kubelet\s+Back-off restarting failed container app/,
    );
    const created = (await eventsOf('crashy')).filter((e) => e.reason === 'Created');
    assert.equal(created.length, 1, 'one Created Event, updated');
    assert.ok((created[0]!.count ?? 0) >= 3);
  });

  it('a probe failing every second: the kubelet writes at most 25 times (burst), the rest only count', async () => {
    const kubelet = (await serviceContainers('kubelet'))[0]!;
    const failures = async (): Promise<number> => {
      const r = await run('docker', ['logs', kubelet]);
      return (r.stdout + r.stderr)
        .split('\n')
        .filter((l) => l.includes('"pod":"default/unready"') && l.includes('"msg":"probe failed"')).length;
    };
    await waitFor(
      '40 readiness probe failures of unready',
      async () => ((await failures()) >= 40 ? true : undefined),
      180_000,
    );
    const evs = (await eventsOf('unready')).filter((e) => e.source?.component === 'kubelet');
    const unhealthy = evs.filter((e) => e.reason === 'Unhealthy');
    assert.equal(unhealthy.length, 1, 'one Unhealthy Event');
    const written = evs.reduce((n, e) => n + (e.count ?? 1), 0);
    assert.ok(
      written <= 25,
      `the kubelet's Events for unready carry ${written} occurrences: more than the burst of 25 were written`,
    );
    assert.ok((await failures()) > written + 10, 'failures went on beyond what was written');
  });

  it(`an Event goes by itself after KUBELAB_EVENT_TTL (${TTL} s)`, async () => {
    await lab.kOk(['create', '-f', '-'], EVENT);
    assert.match(await lab.kOk(['get', 'event', 'short-lived']), /Testing/);
    await waitFor(
      'short-lived is gone',
      async () => {
        const r = await lab.k(['get', 'event', 'short-lived']);
        return r.code !== 0 && /NotFound|not found/.test(r.stderr) ? true : undefined;
      },
      (TTL + 90) * 1000,
      2_000,
    );
  });

  it('kubectl events (1.27 and the default) and events.k8s.io/v1 show the crash loop', async () => {
    for (const name of ['kubectl.1.27', 'kubectl']) {
      const bin = findKubectl(name);
      assert.ok(bin, `${name} not found`);
      const r = await run(bin, ['events', '--for', 'pod/crashy'], {
        env: { ...process.env, KUBECONFIG: lab.kubeconfig },
      });
      assert.equal(r.code, 0, `${bin}: ${r.stderr}`);
      assert.match(r.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m, `${bin}:\n${r.stdout}`);
      assert.match(
        r.stdout,
        /\(x\d+ over \S+\)\s+Normal\s+Created\s+Pod\/crashy\s+Created container: app/,
        `${bin}:\n${r.stdout}`,
      );
    }
    const v1 = await lab.kOk([
      'get',
      'events.v1.events.k8s.io',
      '--field-selector',
      'regarding.name=crashy,reason=Created',
      '-o',
      'jsonpath={.items[0].regarding.name} {.items[0].note} {.items[0].deprecatedCount}',
    ]);
    assert.match(v1, /^crashy Created container: app \d+$/);
  });
});
