/**
 * Integration test: events.k8s.io/v1 against a real apiserver on a real etcd with the real kubectl
 * (1.27 and 1.33; `kubectl events` with every version 1.27 … 1.33): `kubectl events` (-A, --for, -w), `get -w`, `kubectl get events.v1.events.k8s.io` with
 * upstream's columns, discovery, the converted fields, field selectors by the new names, and
 * creates through the new API, which see and are seen as core/v1 Events. Run with
 *   node --test apiserver/dist/rest/events-v1.itest.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { KubeObject } from '@kubelab/api';
import { ApiEventRecorder } from '@kubelab/client/events';
import { build, envelope, newMeta } from './protobuf/testing/encode.js';
import { findKubectl, kubectlEnv } from './testing/harness.js';
import { StoreCluster, type Json } from './testing/store-cluster.js';

const found = (names: string[]) =>
  names.map((n) => [n, findKubectl(n)] as const).filter((e): e is readonly [string, string] => e[1] !== undefined);
const KUBECTLS = found(['kubectl.1.27', 'kubectl.1.33']);
/** Every kubectl that has `kubectl events` in the supported range. */
const ALL_KUBECTLS = found(['27', '28', '29', '30', '31', '32', '33'].map((m) => `kubectl.1.${m}`));
const V1 = '/apis/events.k8s.io/v1/namespaces/default/events';

describe('events.k8s.io/v1 on a real apiserver', () => {
  const c = new StoreCluster();
  let pod: KubeObject;
  before(async () => {
    await c.start();
    await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    pod = await c.client.create<KubeObject>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'crashy', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'busybox' }] },
    });
    const clock = { t: Date.now() - 120_000, now: () => clock.t };
    const rec = new ApiEventRecorder(c.client, { component: 'kubelet', host: 'node-1', clock });
    for (let i = 0; i < 3; i++) {
      if (i > 0) clock.t += 60_000;
      rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container app in pod crashy_default');
      await rec.flush();
    }
    const cm = await c.client.create<KubeObject>('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'other' },
    });
    rec.event(cm, 'Normal', 'Seen', 'looked at');
    await rec.flush();
    assert.ok(KUBECTLS.length > 0, 'no kubectl found');
  });
  after(() => c.stop());

  test('discovery lists events.k8s.io/v1 events (short name ev) beside the core ones', async () => {
    for (const [name, bin] of KUBECTLS) {
      const out = await c.kubectl(bin, ['api-resources', '--api-group=events.k8s.io']);
      assert.equal(out.code, 0, `${name}: ${out.stderr}`);
      assert.match(out.stdout, /^events\s+ev\s+events\.k8s\.io\/v1\s+true\s+Event$/m, `${name}:\n${out.stdout}`);
    }
  });

  test('the stored core Events read as events.k8s.io/v1, converted as upstream', async () => {
    const list = await c.call('GET', V1);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json['kind'], 'EventList');
    assert.equal(list.json['apiVersion'], 'events.k8s.io/v1');
    const ev = (list.json['items'] as Json[]).find((e) => e['reason'] === 'BackOff')!;
    assert.equal(ev['apiVersion'], 'events.k8s.io/v1');
    assert.deepEqual(ev['regarding'], {
      kind: 'Pod',
      namespace: 'default',
      name: 'crashy',
      uid: pod.metadata.uid,
      apiVersion: 'v1',
      resourceVersion: pod.metadata.resourceVersion,
    });
    assert.equal(ev['note'], 'Back-off restarting failed container app in pod crashy_default');
    assert.equal(ev['deprecatedCount'], 3);
    assert.deepEqual(ev['deprecatedSource'], { component: 'kubelet', host: 'node-1' });
    assert.equal(ev['reportingController'], 'kubelet');
    assert.equal(ev['reportingInstance'], 'node-1');
    assert.ok(ev['deprecatedFirstTimestamp'] && ev['deprecatedLastTimestamp']);
    assert.equal(ev['eventTime'], null);
    for (const k of ['involvedObject', 'message', 'count', 'source', 'firstTimestamp', 'reportingComponent'])
      assert.equal(ev[k], undefined, k);
    const byNew = await c.call(
      'GET',
      `${V1}?fieldSelector=${encodeURIComponent('regarding.name=crashy,reportingController=kubelet')}`,
    );
    assert.deepEqual(
      (byNew.json['items'] as Json[]).map((e) => e['reason']),
      ['BackOff'],
    );
    const byOld = await c.call('GET', `${V1}?fieldSelector=involvedObject.name%3Dcrashy`);
    assert.equal(byOld.status, 400);
    assert.equal(byOld.json['message'], 'field label not supported: involvedObject.name');
  });

  test("kubectl get events.v1.events.k8s.io prints upstream's columns", async () => {
    for (const [name, bin] of KUBECTLS) {
      const out = await c.kubectl(bin, ['get', 'events.v1.events.k8s.io']);
      assert.equal(out.code, 0, `${name}: ${out.stderr}`);
      const lines = out.stdout.trim().split('\n');
      assert.match(lines[0]!, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/, `${name}:\n${out.stdout}`);
      assert.match(
        out.stdout,
        /\d+s\s+Warning\s+BackOff\s+pod\/crashy\s+Back-off restarting failed container app/,
        `${name}:\n${out.stdout}`,
      );
      const wide = await c.kubectl(bin, ['get', 'events.v1.events.k8s.io', '-o', 'wide']);
      assert.match(
        wide.stdout,
        /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME$/m,
        `${name}:\n${wide.stdout}`,
      );
      assert.match(
        wide.stdout,
        /kubelet, node-1\s+Back-off restarting failed container app in pod crashy_default\s+\S+\s+3\s+crashy\./,
        `${name}:\n${wide.stdout}`,
      );
      const yaml = await c.kubectl(bin, ['get', 'events.v1.events.k8s.io', '-o', 'jsonpath={.items[*].note}']);
      assert.match(yaml.stdout, /Back-off restarting/, `${name}: ${yaml.stderr}`);
    }
  });

  test('kubectl events, events -A and events --for pod/x show the aggregated count (kubectl 1.27 to 1.33)', async () => {
    assert.ok(ALL_KUBECTLS.length >= 2, 'kubectl 1.27 … 1.33 not found');
    for (const [name, bin] of ALL_KUBECTLS) {
      const out = await c.kubectl(bin, ['events']);
      assert.equal(out.code, 0, `${name}: ${out.stderr}`);
      assert.match(out.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m, `${name}:\n${out.stdout}`);
      assert.match(
        out.stdout,
        /\S+ \(x3 over 2m(\d+s)?\)\s+Warning\s+BackOff\s+Pod\/crashy\s+Back-off restarting/,
        `${name}:\n${out.stdout}`,
      );
      assert.doesNotMatch(out.stdout, /ConfigMap\/cfg/, `${name}: -n default only`);
      const all = await c.kubectl(bin, ['events', '-A']);
      assert.match(
        all.stdout,
        /^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m,
        `${name}:\n${all.stdout}`,
      );
      assert.match(
        all.stdout,
        /^other\s+\S+\s+Normal\s+Seen\s+ConfigMap\/cfg\s+looked at$/m,
        `${name}:\n${all.stdout}`,
      );
      assert.match(all.stdout, /^default\s+.*BackOff\s+Pod\/crashy/m, `${name}:\n${all.stdout}`);
      const forPod = await c.kubectl(bin, ['events', '--for', 'pod/crashy']);
      assert.equal(forPod.code, 0, `${name}: ${forPod.stderr}`);
      assert.match(forPod.stdout, /BackOff\s+Pod\/crashy/, `${name}:\n${forPod.stdout}`);
      // `get events` / `get ev` still mean the core ones (listed first, as upstream), core field labels and all.
      const core = await c.kubectl(bin, ['get', 'ev', '--field-selector', 'involvedObject.name=crashy']);
      assert.equal(core.code, 0, `${name}: ${core.stderr}`);
      assert.match(core.stdout, /Warning\s+BackOff\s+pod\/crashy/, `${name}:\n${core.stdout}`);
      const none = await c.kubectl(bin, ['events', '--for', 'configmap/cfg']);
      assert.doesNotMatch(none.stdout, /BackOff/, `${name}:\n${none.stdout}`);
    }
  });

  test('kubectl events -w and kubectl get events.v1.events.k8s.io -w print an event recorded while they watch', async () => {
    const watches: [string, string, string[], (reason: string) => RegExp][] = KUBECTLS.flatMap(([name, bin]) => [
      [name, bin, ['events', '-w'], (r: string) => new RegExp(`${r}\\s+Pod/crashy\\s+seen live`)],
      [
        name,
        bin,
        ['get', 'events.v1.events.k8s.io', '-w'],
        (r: string) => new RegExp(`Normal\\s+${r}\\s+pod/crashy\\s+seen live`),
      ],
    ]);
    for (const [i, [name, bin, args, row]] of watches.entries()) {
      const child = spawn(bin, args, { env: kubectlEnv(c.dir), cwd: c.dir });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      try {
        await until(() => /BackOff/.test(out), `${name} ${args.join(' ')}: the watch listed nothing:\n${out}`);
        const reason = `Watched${i}`;
        const rec = new ApiEventRecorder(c.client, { component: 'default-scheduler' });
        rec.event(pod, 'Normal', reason, 'seen live');
        await rec.flush();
        await until(() => row(reason).test(out), `${name} ${args.join(' ')}: the new event did not show:\n${out}`);
      } finally {
        child.kill();
      }
    }
  });

  test("an Event created through events.k8s.io/v1 is a core/v1 Event; upstream's create validation applies", async () => {
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'made-v1' },
      eventTime: '2024-05-01T10:00:00.123456Z',
      regarding: { kind: 'Pod', name: 'crashy', namespace: 'default' },
      note: 'from the new API',
      reason: 'Tested',
      action: 'Testing',
      type: 'Normal',
      reportingController: 'example.com/tester',
      reportingInstance: 'tester-1',
    };
    const made = await c.call('POST', V1, body);
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json['note'], 'from the new API');
    const asCore = await c.call('GET', '/api/v1/namespaces/default/events/made-v1');
    assert.equal(asCore.json['message'], 'from the new API');
    assert.equal(asCore.json['reportingComponent'], 'example.com/tester');
    assert.equal(asCore.json['involvedObject']['name'], 'crashy');
    assert.equal(asCore.json['eventTime'], '2024-05-01T10:00:00.123456Z');
    const bad = await c.call('POST', V1, {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'bad' },
      regarding: { kind: 'Pod', name: 'crashy' },
      reason: 'X',
      type: 'Normal',
    });
    assert.equal(bad.status, 422, bad.text);
    assert.match(
      bad.json['message'],
      /^Event\.events\.k8s\.io "bad" is invalid: \[eventTime: Required value, reportingController: Required value, reportingInstance: Required value, action: Required value\]$/,
    );
    // What a client-go 1.32+ EventsV1 client sends: a protobuf body.
    const pb = envelope(
      'events.k8s.io/v1',
      'Event',
      build((w) =>
        w
          .message(1, (m) => newMeta(m, 'made-pb'))
          .message(2, (t) => t.int(1, 1714557600).int(2, 0))
          .string(4, 'example.com/tester')
          .string(5, 'tester-1')
          .string(6, 'Testing')
          .string(7, 'Tested')
          .message(8, (r) => r.string(1, 'Pod').string(2, 'default').string(3, 'crashy'))
          .string(10, 'sent as protobuf')
          .string(11, 'Warning'),
      ),
    );
    const byPb = await c.call('POST', V1, pb, {
      'Content-Type': 'application/vnd.kubernetes.protobuf',
      Accept: 'application/vnd.kubernetes.protobuf,application/json',
    });
    assert.equal(byPb.status, 201, byPb.text);
    assert.equal(byPb.json['note'], 'sent as protobuf');
    assert.equal(
      (await c.call('GET', '/api/v1/namespaces/default/events/made-pb')).json['message'],
      'sent as protobuf',
    );
    for (const [name, bin] of KUBECTLS) {
      const out = await c.kubectl(bin, [
        'get',
        'events.v1.events.k8s.io',
        'made-v1',
        '-o',
        'jsonpath={.regarding.name} {.reportingController}',
      ]);
      assert.equal(out.stdout, 'crashy example.com/tester', `${name}: ${out.stderr}`);
    }
  });
});

async function until(cond: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(what);
    await new Promise((r) => setTimeout(r, 50));
  }
}
