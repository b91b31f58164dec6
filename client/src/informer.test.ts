import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import type { ApiClient, ListOptions } from './apiclient.js';
import { Informer } from './informer.js';

const log = pino({ level: 'silent' });

type Ev = { type: string; object: KubeObject };
/** What the fake server answers, in order: a list result or error, or a watch's events then its end. */
type Step = { list: KubeObject[]; rv: string } | { listError: ApiError } | { watch: Ev[]; then: 'end' | ApiError };

function cm(name: string, rv: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', resourceVersion: rv } };
}

/** Runs an informer against the script; resolves with the calls it made once the script is used up. */
async function run(steps: Step[]): Promise<{ calls: string[]; events: string[] }> {
  const calls: string[] = [];
  const events: string[] = [];
  const ac = new AbortController();
  const next = (kind: 'list' | 'watch'): Step | undefined => {
    const s = steps.shift();
    if (!s) ac.abort();
    else if (kind === 'list' ? 'watch' in s : !('watch' in s)) throw new Error(`script: expected a ${kind} step`);
    return s;
  };
  const client = {
    async list(_r: string, opts: ListOptions) {
      calls.push(`list rv=${JSON.stringify(opts.resourceVersion)}`);
      const s = next('list');
      if (!s) throw new ApiError('ServiceUnavailable', 'the script is used up');
      if ('listError' in s) throw s.listError;
      return { items: (s as { list: KubeObject[] }).list, resourceVersion: (s as { rv: string }).rv, continue: '' };
    },
    async *watch(_r: string, opts: ListOptions) {
      if (ac.signal.aborted) return;
      calls.push(`watch rv=${opts.resourceVersion}`);
      const s = next('watch') as { watch: Ev[]; then: 'end' | ApiError } | undefined;
      if (!s) return; // the script is used up: next() aborted the informer
      for (const ev of s.watch) yield ev;
      if (s.then !== 'end') throw s.then;
    },
  } as unknown as ApiClient;
  const inf = new Informer<KubeObject>(client, 'configmaps', {}, log);
  inf.addHandlers({
    add: (o) => events.push(`add ${o.metadata.name}`),
    update: (_o, n) => events.push(`update ${n.metadata.name}`),
    delete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  await inf.run(ac.signal);
  return { calls, events };
}

test('the first list reads the cache ("0"); a stream the server ended is reopened from its last event, without a list', async () => {
  const { calls, events } = await run([
    { list: [cm('a', '5')], rv: '7' },
    { watch: [{ type: 'ADDED', object: cm('b', '9') }], then: 'end' },
    { watch: [{ type: 'BOOKMARK', object: cm('', '12') }], then: 'end' },
  ]);
  assert.deepEqual(calls, ['list rv="0"', 'watch rv=7', 'watch rv=9', 'watch rv=12']);
  assert.deepEqual(events, ['add a', 'add b']);
});

test('a watch that expired lists again from the last revision it delivered, and reports what went away', async () => {
  const { calls, events } = await run([
    { list: [cm('a', '5'), cm('b', '6')], rv: '7' },
    { watch: [{ type: 'MODIFIED', object: cm('a', '8') }], then: new ApiError('Expired', 'too old resource version') },
    { list: [cm('a', '8')], rv: '20' },
    { watch: [], then: new ApiError('Expired', 'too old resource version') },
  ]);
  assert.deepEqual(calls, ['list rv="0"', 'watch rv=7', 'list rv="8"', 'watch rv=20', 'list rv="20"']);
  assert.deepEqual(events, ['add a', 'add b', 'update a', 'delete b']);
});

test('a broken watch (the apiserver went away) relists from its last revision, not from etcd', async () => {
  const { calls } = await run([
    { list: [], rv: '3' },
    { watch: [{ type: 'ADDED', object: cm('a', '4') }], then: new ApiError('ServiceUnavailable', 'connection reset') },
    { listError: new ApiError('ServiceUnavailable', 'connection refused') },
    { list: [cm('a', '4')], rv: '4' },
  ]);
  assert.deepEqual(calls, ['list rv="0"', 'watch rv=3', 'list rv="4"', 'list rv="4"', 'watch rv=4']);
});

test('only a list the cache cannot serve (410, or 504 too large resource version) falls back to a consistent read', async () => {
  const tooLarge = new ApiError('Timeout', 'Too large resource version', {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
  });
  const { calls } = await run([
    { list: [], rv: '3' },
    { watch: [], then: new ApiError('Expired', 'gone') },
    { listError: new ApiError('Expired', 'too old') },
    { list: [], rv: '9' },
    { watch: [], then: new ApiError('Expired', 'gone') },
    { listError: tooLarge },
    { list: [], rv: '11' },
  ]);
  assert.deepEqual(calls, [
    'list rv="0"',
    'watch rv=3',
    'list rv="3"',
    'list rv=""',
    'watch rv=9',
    'list rv="9"',
    'list rv=""',
    'watch rv=11',
  ]);
});
