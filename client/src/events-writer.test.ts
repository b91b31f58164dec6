import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { ApiEventRecorder } from './events.js';
import { FakeEventSink } from './events-fakes.js';

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u1' } };

function setup() {
  const clock = { t: Date.UTC(2024, 0, 1), now: () => clock.t };
  const sink = new FakeEventSink();
  const rec = new ApiEventRecorder(sink, { component: 'kubelet', host: 'n1', clock });
  return { clock, sink, rec };
}

test('repeats update the one Event: count and lastTimestamp, so describe shows (x12 over 5m)', async () => {
  const { clock, sink, rec } = setup();
  for (let i = 0; i < 12; i++) {
    rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container app');
    await rec.flush();
    clock.t += 25_000;
  }
  const ev = sink.only();
  assert.equal(ev.count, 12);
  assert.equal(ev.firstTimestamp, '2024-01-01T00:00:00Z');
  assert.equal(ev.lastTimestamp, '2024-01-01T00:04:35Z');
  assert.deepEqual(
    sink.calls.map((c) => c.split(' ')[0]),
    ['create', ...Array(11).fill('update')],
  );
});

test('occurrences that come while a write is in flight are coalesced; no count is lost', async () => {
  const { sink, rec } = setup();
  rec.event(pod, 'Warning', 'BackOff', 'x');
  await rec.flush();
  sink.hold();
  for (let i = 0; i < 20; i++) rec.event(pod, 'Warning', 'BackOff', 'x');
  sink.release();
  await new Promise((r) => setImmediate(r));
  sink.release();
  await rec.flush();
  assert.equal(sink.only().count, 21);
  assert.ok(sink.calls.length <= 3, `writes: ${sink.calls.join(', ')}`);
});

test("a conflict re-reads the Event and adds this recorder's new occurrences to its count", async () => {
  const { sink, rec } = setup();
  rec.event(pod, 'Warning', 'BackOff', 'x');
  rec.event(pod, 'Warning', 'BackOff', 'x');
  await rec.flush();
  const name = sink.only().metadata.name ?? '';
  sink.touch('default', name, (ev) => (ev.count = (ev.count ?? 0) + 5));
  rec.event(pod, 'Warning', 'BackOff', 'x');
  await rec.flush();
  assert.equal(sink.only().count, 8, '2 written + 5 by someone else + 1 new');
});

test("a recorder that may not read Events (403 on get) writes its own count over a conflict, as upstream's patch", async () => {
  const { sink, rec } = setup();
  sink.forbidGet = true;
  rec.event(pod, 'Warning', 'BackOff', 'x');
  await rec.flush();
  const name = sink.only().metadata.name ?? '';
  sink.touch('default', name, (ev) => (ev.message = 'edited by hand'));
  rec.event(pod, 'Warning', 'BackOff', 'x');
  await rec.flush();
  assert.equal(sink.only().count, 2);
  assert.equal(sink.only().message, 'x');
  rec.event(pod, 'Warning', 'BackOff', 'x');
  await rec.flush();
  assert.equal(sink.only().count, 3, 'and carries on from the resourceVersion it got back');
});

test('an Event whose create answer was lost (it exists) is overwritten, not given up', async () => {
  const { sink, rec } = setup();
  rec.event(pod, 'Warning', 'BackOff', 'x');
  await rec.flush();
  const [stored] = [...sink.events.values()];
  // A recorder with no memory of it (its create timed out after the write) records it again.
  const again = new ApiEventRecorder(sink, {
    component: 'kubelet',
    host: 'n1',
    clock: { now: () => Date.UTC(2024, 0, 1) },
  });
  again.event(pod, 'Warning', 'BackOff', 'x');
  await again.flush();
  assert.equal(sink.events.size, 1);
  assert.equal(sink.only().metadata.name, stored!.metadata.name);
  assert.deepEqual(
    sink.calls.slice(-2).map((c) => c.split(' ')[0]),
    ['create', 'update'],
  );
});

test('an Event that expired meanwhile is created again under its name', async () => {
  const { sink, rec } = setup();
  rec.event(pod, 'Warning', 'BackOff', 'x');
  await rec.flush();
  const name = sink.only().metadata.name;
  sink.events.clear();
  rec.event(pod, 'Warning', 'BackOff', 'x');
  await rec.flush();
  assert.equal(sink.only().metadata.name, name);
  assert.equal(sink.only().count, 2);
});

test('a crash-looping pod writes 25 times, then once per 5 minutes, and the count stays exact', async () => {
  const { clock, sink, rec } = setup();
  for (let i = 0; i < 100; i++) {
    rec.event(pod, 'Warning', 'BackOff', 'x');
    await rec.flush();
    clock.t += 10_000;
  }
  assert.equal(sink.calls.length, 25 + 3, 'burst, then one per 5 min over ~17 min');
  clock.t += 300_000;
  rec.event(pod, 'Warning', 'BackOff', 'x');
  await rec.flush();
  assert.equal(sink.only().count, 101);
});

test('first occurrences of several Events in one turn are created in that turn (ApiClient sends them in one CreateMany)', async () => {
  const sink = new FakeEventSink();
  const create = sink.create.bind(sink);
  let firstTurn = true;
  const inFirstTurn: boolean[] = [];
  sink.create = (resource, obj) => (inFirstTurn.push(firstTurn), create(resource, obj));
  const rec = new ApiEventRecorder(sink, { component: 'kubelet', host: 'n1' });
  rec.event(pod, 'Normal', 'Pulled', 'Container image "busybox" already present on machine');
  rec.event(pod, 'Normal', 'Created', 'Created container app');
  rec.event(pod, 'Normal', 'Started', 'Started container app');
  setImmediate(() => {
    firstTurn = false;
  });
  await rec.flush();
  assert.deepEqual(inFirstTurn, [true, true, true]);
  assert.deepEqual([...sink.events.values()].map((e) => e.reason).sort(), ['Created', 'Pulled', 'Started']);
  rec.event(pod, 'Normal', 'Started', 'Started container app');
  await rec.flush();
  assert.equal(inFirstTurn.length, 3, 'a repeat is an update of its Event');
  assert.equal(sink.calls.at(-1)?.split(' ')[0], 'update');
});
