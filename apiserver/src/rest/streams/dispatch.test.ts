import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { matchStreamPath, resolveContainer } from './dispatch.js';
import { parseExecQuery } from './exec.js';
import { headerValues, negotiate } from './upgrade.js';
import type { IncomingMessage } from 'node:http';

const pod = (containers: string[], init: string[] = []): KubeObject =>
  ({
    metadata: { name: 'web', namespace: 'default' },
    spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) },
  }) as KubeObject;

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return `${err.reason}: ${err.message}`;
  }
  return 'no error';
};

describe('stream dispatch', () => {
  test('matches the three pod stream subresources only', () => {
    assert.deepEqual(matchStreamPath('/api/v1/namespaces/default/pods/web/exec'), {
      namespace: 'default',
      name: 'web',
      subresource: 'exec',
    });
    assert.deepEqual(matchStreamPath('/api/v1/namespaces/ns/pods/p/portforward'), {
      namespace: 'ns',
      name: 'p',
      subresource: 'portforward',
    });
    assert.equal(matchStreamPath('/api/v1/namespaces/ns/pods/p/log'), undefined);
    assert.equal(matchStreamPath('/api/v1/namespaces/ns/services/p/exec'), undefined);
  });

  test('container defaulting and validation like upstream', () => {
    assert.equal(resolveContainer(pod(['app']), ''), 'app');
    assert.equal(resolveContainer(pod(['app'], ['init']), 'init'), 'init');
    assert.equal(
      message(() => resolveContainer(pod(['app']), 'nope')),
      'BadRequest: container nope is not valid for pod web',
    );
    assert.equal(
      message(() => resolveContainer(pod(['a', 'b'], ['i']), '')),
      'BadRequest: a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [i]',
    );
  });

  test('exec query parsing', () => {
    const q = new URLSearchParams('command=sh&command=-c&command=exit+3&container=c&stderr=true&stdout=true');
    assert.deepEqual(parseExecQuery('exec', q), {
      command: ['sh', '-c', 'exit 3'],
      container: 'c',
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    assert.deepEqual(parseExecQuery('attach', new URLSearchParams('stdin=true&tty=true'), 'app').command, []);
    assert.equal(
      message(() => parseExecQuery('exec', new URLSearchParams('stdout=true'))),
      'BadRequest: you must specify at least 1 command',
    );
    assert.equal(
      message(() => parseExecQuery('exec', new URLSearchParams('command=ls'))),
      'BadRequest: you must specify at least 1 of stdin, stdout, stderr',
    );
  });

  test('protocol negotiation reads repeated and comma-separated headers', () => {
    const req = {
      rawHeaders: [
        'X-Stream-Protocol-Version',
        'v5.channel.k8s.io',
        'X-Stream-Protocol-Version',
        'v4.channel.k8s.io, channel.k8s.io',
      ],
    } as unknown as IncomingMessage;
    const offered = headerValues(req, 'x-stream-protocol-version');
    assert.deepEqual(offered, ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io']);
    assert.equal(negotiate(offered, ['v4.channel.k8s.io', 'v5.channel.k8s.io']), 'v4.channel.k8s.io');
    assert.equal(negotiate(['channel.k8s.io'], ['v4.channel.k8s.io']), undefined);
  });
});
