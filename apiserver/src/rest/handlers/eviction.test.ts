import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@kubelab/api';
import { evictionBlocker } from './eviction.js';

const pod = (name: string, ready = true, labels = { app: 'web' }): Pod => ({
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c', image: 'i' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const pdb = (spec: Record<string, unknown>) => ({ metadata: { name: 'web-pdb' }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });

test('no budget selects the pod: eviction is allowed', () => {
  const pods = [pod('a'), pod('b')];
  assert.equal(evictionBlocker(pods[0]!, [], pods), undefined);
  assert.equal(evictionBlocker(pod('x', true, { app: 'db' }), [pdb({ minAvailable: 5 })], pods), undefined);
});

test('minAvailable: allowed while enough healthy pods remain, refused at the minimum', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  assert.equal(evictionBlocker(pods[0]!, [pdb({ minAvailable: 2 })], pods), undefined);
  assert.equal(evictionBlocker(pods[0]!, [pdb({ minAvailable: 3 })], pods), 'The disruption budget web-pdb needs 3 healthy pods and has 3 currently');
  assert.equal(evictionBlocker(pods[0]!, [pdb({ minAvailable: '100%' })], pods), 'The disruption budget web-pdb needs 3 healthy pods and has 3 currently');
});

test('maxUnavailable counts against the selected pods; unhealthy pods may always go', () => {
  const pods = [pod('a'), pod('b', false), pod('c')];
  assert.match(evictionBlocker(pods[0]!, [pdb({ maxUnavailable: 1 })], pods) ?? '', /needs 2 healthy pods and has 2 currently/);
  assert.equal(evictionBlocker(pods[1]!, [pdb({ maxUnavailable: 1 })], pods), undefined);
  assert.equal(evictionBlocker(pods[0]!, [pdb({ maxUnavailable: '50%' })], pods), undefined);
});
