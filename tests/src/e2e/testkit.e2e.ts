/**
 * The testkit as a user's test would use it with no lab of its own: bringUp() starts one, a
 * Deployment is applied, a fault injected through the handle and healed, and down() removes the
 * lab again (no container of its project left).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bringUp, deploymentAvailable, startExperiment, waitFor } from '@kubelab/testkit';
import { E2E_ENV } from '../lib/lab.js';
import { deployment } from '../lib/faults-lib.js';
import { run } from '../lib/kubectl.js';

test('testkit: bringUp, apply, inject and heal, down', { timeout: 6 * 60_000 }, async () => {
  const t0 = Date.now();
  const lab = await bringUp({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV, nodes: 1, build: false });
  try {
    console.log(`  testkit bringUp: ${lab.project} up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal((await lab.client.nodes()).length, 1);
    await lab.apply(deployment('tk', 2));
    const available = async () => (await lab.client.deployment('tk')).status.availableReplicas === 2;
    await waitFor(available, { timeout: 120_000, what: 'tk available' });
    const x = await startExperiment('scheduler stopped', [deploymentAvailable(lab.client, 'tk', 'continuous')]);
    const f = await x.inject(lab, { kind: 'stop', target: 'scheduler' });
    assert.equal((await lab.chaos.faults()).length, 1, 'the stop is recorded while it lasts');
    await f.heal();
    assert.deepEqual(await lab.chaos.faults(), [], 'healed: nothing recorded');
    const r = await x.finish();
    assert.ok(r.ok, r.text);
  } finally {
    await lab.down();
  }
  const left = await run('docker', [
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${E2E_ENV.KUBELAB_PROJECT}`,
    '--format',
    '{{.Names}}',
  ]);
  assert.equal(left.stdout.trim(), '', 'down() leaves no container of the project');
});
