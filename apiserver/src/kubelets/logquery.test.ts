import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { checkLogStatus, chooseContainer, parseLogQuery } from './logquery.js';

function pod(containers: string[], statuses: unknown[] = [], init: string[] = []): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-x', namespace: 'default' },
    spec: {
      containers: containers.map((name) => ({ name, image: 'i' })),
      initContainers: init.map((name) => ({ name, image: 'i' })),
    },
    status: { containerStatuses: statuses },
  } as unknown as Pod;
}

const rejectsWith = (fn: () => unknown, reason: string, message: string): void =>
  assert.throws(fn, (e: unknown) => e instanceof ApiError && e.reason === reason && e.message === message);

describe('pods/log request checks', () => {
  it('parses the PodLogOptions query', () => {
    const q = new URLSearchParams(
      'container=a&follow=true&previous=false&tailLines=10&sinceSeconds=5&timestamps=true&limitBytes=100',
    );
    assert.deepEqual(parseLogQuery(q, 'web-x'), {
      container: 'a',
      follow: true,
      previous: false,
      timestamps: true,
      tailLines: 10,
      sinceSeconds: 5,
      limitBytes: 100,
    });
    assert.deepEqual(parseLogQuery(new URLSearchParams(''), 'web-x'), {
      container: '',
      follow: false,
      previous: false,
      timestamps: false,
    });
  });

  it('rejects invalid values like upstream', () => {
    rejectsWith(
      () => parseLogQuery(new URLSearchParams('tailLines=-1'), 'web-x'),
      'Invalid',
      'PodLogOptions "web-x" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    );
    assert.throws(
      () => parseLogQuery(new URLSearchParams('sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z'), 'web-x'),
      /at most one of `sinceTime` or `sinceSeconds`/,
    );
    assert.throws(
      () => parseLogQuery(new URLSearchParams('follow=maybe'), 'web-x'),
      (e: unknown) => e instanceof ApiError && e.reason === 'BadRequest',
    );
  });

  it('chooses the container: the only one, the named one, or says which to choose', () => {
    assert.equal(chooseContainer(pod(['app']), ''), 'app');
    assert.equal(chooseContainer(pod(['a', 'b']), 'b'), 'b');
    rejectsWith(
      () => chooseContainer(pod(['a', 'b']), ''),
      'BadRequest',
      'a container name must be specified for pod web-x, choose one of: [a b]',
    );
    rejectsWith(
      () => chooseContainer(pod(['a', 'b'], [], ['setup']), ''),
      'BadRequest',
      'a container name must be specified for pod web-x, choose one of: [a b] or one of the init containers: [setup]',
    );
    rejectsWith(() => chooseContainer(pod(['a']), 'x'), 'BadRequest', 'container x is not valid for pod web-x');
    assert.equal(chooseContainer(pod(['a'], [], ['setup']), 'setup'), 'setup');
  });

  it('checks the container status: waiting, previous, running', () => {
    rejectsWith(
      () => checkLogStatus(pod(['c']), 'c', false),
      'BadRequest',
      'container "c" in pod "web-x" is waiting to start: ContainerCreating',
    );
    rejectsWith(
      () => checkLogStatus(pod(['c'], [{ name: 'c', state: { waiting: { reason: 'ImagePullBackOff' } } }]), 'c', false),
      'BadRequest',
      'container "c" in pod "web-x" is waiting to start: ImagePullBackOff',
    );
    checkLogStatus(
      pod(
        ['c'],
        [{ name: 'c', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } }],
      ),
      'c',
      false,
    );
    checkLogStatus(pod(['c'], [{ name: 'c', state: { running: {} } }]), 'c', false);
    rejectsWith(
      () => checkLogStatus(pod(['c'], [{ name: 'c', state: { running: {} }, lastState: {} }]), 'c', true),
      'BadRequest',
      'previous terminated container "c" in pod "web-x" not found',
    );
  });
});
