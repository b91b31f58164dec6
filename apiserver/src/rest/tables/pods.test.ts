import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { podPrinter, podSummary } from './pods.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number): string => new Date(NOW - s * 1000).toISOString();

function pod(
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  meta: Record<string, unknown> = {},
): KubeObject {
  return {
    metadata: { name: 'p', creationTimestamp: ago(600), ...meta },
    spec: { containers: [{ name: 'c', image: 'i' }], ...spec },
    status,
  };
}
const running = (name = 'c', restartCount = 0, extra: Record<string, unknown> = {}) => ({
  name,
  ready: true,
  restartCount,
  state: { running: { startedAt: ago(60) } },
  lastState: {},
  ...extra,
});
const waitingFor = (reason: string, name = 'c') => ({
  name,
  ready: false,
  restartCount: 0,
  state: { waiting: { reason } },
  lastState: {},
});
const terminatedWith = (t: Record<string, unknown>, name = 'c') => ({
  name,
  ready: false,
  restartCount: 0,
  state: { terminated: t },
  lastState: {},
});

test('phase is the status of a pod without container statuses', () => {
  assert.deepEqual(podSummary(pod({}, { phase: 'Pending' }), NOW), { ready: '0/1', status: 'Pending', restarts: '0' });
  assert.equal(podSummary(pod({}, { phase: 'Failed', reason: 'Evicted' }), NOW).status, 'Evicted');
  assert.equal(
    podSummary(
      pod({}, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
      NOW,
    ).status,
    'SchedulingGated',
  );
});

test('running and ready', () => {
  assert.deepEqual(podSummary(pod({}, { phase: 'Running', containerStatuses: [running()] }), NOW), {
    ready: '1/1',
    status: 'Running',
    restarts: '0',
  });
});

test('container waiting and terminated reasons win over the phase', () => {
  assert.equal(
    podSummary(pod({}, { phase: 'Pending', containerStatuses: [waitingFor('ContainerCreating')] }), NOW).status,
    'ContainerCreating',
  );
  assert.equal(
    podSummary(pod({}, { phase: 'Running', containerStatuses: [waitingFor('CrashLoopBackOff')] }), NOW).status,
    'CrashLoopBackOff',
  );
  assert.equal(
    podSummary(
      pod({}, { phase: 'Succeeded', containerStatuses: [terminatedWith({ exitCode: 0, reason: 'Completed' })] }),
      NOW,
    ).status,
    'Completed',
  );
  assert.equal(
    podSummary(pod({}, { phase: 'Failed', containerStatuses: [terminatedWith({ exitCode: 3 })] }), NOW).status,
    'ExitCode:3',
  );
  assert.equal(
    podSummary(pod({}, { phase: 'Failed', containerStatuses: [terminatedWith({ exitCode: 137, signal: 9 })] }), NOW)
      .status,
    'Signal:9',
  );
});

test('Completed with a container still running is Running, or NotReady without the Ready condition', () => {
  const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
  const cs = [terminatedWith({ exitCode: 0, reason: 'Completed' }, 'a'), running('b')];
  assert.equal(
    podSummary(
      pod(spec, { phase: 'Running', containerStatuses: cs, conditions: [{ type: 'Ready', status: 'True' }] }),
      NOW,
    ).status,
    'Running',
  );
  // Statuses are walked last to first, so the terminated first container decides the reason.
  const s = podSummary(pod(spec, { phase: 'Running', containerStatuses: cs }), NOW);
  assert.equal(s.status, 'NotReady');
  assert.equal(s.ready, '1/2');
});

test('init containers: progress, waiting reasons, failures', () => {
  const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
  const done = terminatedWith({ exitCode: 0, reason: 'Completed' }, 'i1');
  assert.equal(
    podSummary(
      pod(spec, { phase: 'Pending', initContainerStatuses: [{ ...waitingFor('PodInitializing', 'i1') }] }),
      NOW,
    ).status,
    'Init:0/2',
  );
  assert.equal(
    podSummary(pod(spec, { phase: 'Pending', initContainerStatuses: [done, { ...running('i2'), ready: false }] }), NOW)
      .status,
    'Init:1/2',
  );
  assert.equal(
    podSummary(pod(spec, { phase: 'Pending', initContainerStatuses: [waitingFor('CrashLoopBackOff', 'i1')] }), NOW)
      .status,
    'Init:CrashLoopBackOff',
  );
  assert.equal(
    podSummary(pod(spec, { phase: 'Pending', initContainerStatuses: [terminatedWith({ exitCode: 1 }, 'i1')] }), NOW)
      .status,
    'Init:ExitCode:1',
  );
  assert.equal(
    podSummary(
      pod(spec, { phase: 'Pending', initContainerStatuses: [terminatedWith({ exitCode: 1, reason: 'Error' }, 'i1')] }),
      NOW,
    ).status,
    'Init:Error',
  );
  // Init done: the regular containers decide.
  const all = podSummary(
    pod(spec, {
      phase: 'Running',
      initContainerStatuses: [done, terminatedWith({ exitCode: 0 }, 'i2')],
      containerStatuses: [running()],
    }),
    NOW,
  );
  assert.deepEqual(all, { ready: '1/1', status: 'Running', restarts: '0' });
});

test('restartable init containers (sidecars) count towards READY and RESTARTS', () => {
  const spec = { initContainers: [{ name: 'side', restartPolicy: 'Always' }] };
  const s = podSummary(
    pod(spec, {
      phase: 'Running',
      initContainerStatuses: [{ ...running('side', 2), started: true }],
      containerStatuses: [running()],
    }),
    NOW,
  );
  assert.equal(s.ready, '2/2');
  assert.equal(s.restarts, '2');
});

test('Terminating when a deletion is under way, Unknown for a lost node, not for finished pods', () => {
  const meta = { deletionTimestamp: ago(1) };
  assert.equal(
    podSummary(pod({}, { phase: 'Running', containerStatuses: [running()] }, meta), NOW).status,
    'Terminating',
  );
  assert.equal(podSummary(pod({}, { phase: 'Running', reason: 'NodeLost' }, meta), NOW).status, 'Unknown');
  assert.equal(
    podSummary(
      pod({}, { phase: 'Succeeded', containerStatuses: [terminatedWith({ exitCode: 0, reason: 'Completed' })] }, meta),
      NOW,
    ).status,
    'Completed',
  );
});

test('RESTARTS shows when the last restart happened', () => {
  const c = { ...running('c', 3), lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } } };
  assert.equal(podSummary(pod({}, { phase: 'Running', containerStatuses: [c] }), NOW).restarts, '3 (5m ago)');
  assert.equal(podSummary(pod({}, { phase: 'Running', containerStatuses: [running('c', 4)] }), NOW).restarts, '4');
});

test('wide cells: IP from podIPs or podIP, node, <none> placeholders, readiness gates', () => {
  const p = pod(
    { nodeName: 'node-1', readinessGates: [{ conditionType: 'x' }, { conditionType: 'y' }] },
    {
      phase: 'Running',
      podIPs: [{ ip: '10.244.0.7' }],
      conditions: [
        { type: 'x', status: 'True' },
        { type: 'y', status: 'False' },
      ],
      containerStatuses: [running()],
    },
  );
  assert.deepEqual(podPrinter.cells(p, NOW), [
    'p',
    '1/1',
    'Running',
    '0',
    '10m',
    '10.244.0.7',
    'node-1',
    '<none>',
    '1/2',
  ]);
  assert.deepEqual(podPrinter.cells(pod({}, { phase: 'Pending', podIP: '10.0.0.1' }), NOW).slice(5), [
    '10.0.0.1',
    '<none>',
    '<none>',
    '<none>',
  ]);
  assert.equal(podPrinter.columns.length, 9);
  assert.deepEqual(
    podPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name),
    ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
  );
});

test('finished pods carry the Completed row condition', () => {
  assert.equal(podPrinter.conditions!(pod({}, { phase: 'Succeeded' }))?.[0]?.reason, 'Succeeded');
  assert.equal(podPrinter.conditions!(pod({}, { phase: 'Running' })), undefined);
});
