import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customProbe } from './probes.js';
import { startExperiment } from './experiment.js';
import { waitFor } from './wait.js';
import type { TestLab } from './lab.js';

test('waitFor returns the first value and says what it waited for on timeout', async () => {
  let n = 0;
  assert.equal(await waitFor(() => (++n >= 3 ? n : undefined), { timeout: 5000, interval: 1 }), 3);
  await assert.rejects(
    waitFor(() => false, { timeout: 20, interval: 5, what: 'nothing' }),
    /timed out after .* waiting for nothing; last: not yet/,
  );
  await assert.rejects(
    waitFor(() => Promise.reject(new Error('boom')), { timeout: 20, interval: 5 }),
    /last: boom/,
  );
});

test('an experiment records outages of continuous probes and the recovery after the fault', async () => {
  let broken = false;
  const lab = { inject: async (fault) => ({ fault, at: Date.now(), heal: async () => undefined }) } as Pick<
    TestLab,
    'inject'
  > as TestLab;
  const x = await startExperiment('demo', [
    customProbe('answers', 'continuous', async () => !broken, 2),
    customProbe('starts fine', 'start', async () => true),
    customProbe('ends broken', 'end', async () => {
      throw new Error('gone');
    }),
  ]);
  await x.inject(lab, { kind: 'kill', target: 'scheduler' });
  broken = true;
  await waitFor(() => broken, { timeout: 100 });
  await new Promise((r) => setTimeout(r, 30));
  broken = false;
  await new Promise((r) => setTimeout(r, 30));
  const r = await x.finish();
  const answers = r.probes.find((p) => p.name === 'answers')!;
  assert.equal(answers.held, true);
  assert.equal(answers.outages.length, 1);
  assert.ok(answers.outages[0]!.to !== undefined);
  assert.ok(r.recoveryMs >= 20, `recovery ${r.recoveryMs}`);
  assert.equal(r.ok, false, 'the end probe broke');
  assert.match(r.text, /probe ends broken \[end\]: BROKE, 1\/1 checks failed: .*\(gone\)/);
  assert.match(r.text, /fault kill scheduler at/);
});

test('a continuous probe that recovered after its last sample is checked once more at finish', async () => {
  let broken = true;
  const x = await startExperiment('late recovery', [customProbe('answers', 'continuous', async () => !broken, 1_000)]);
  await new Promise((r) => setTimeout(r, 20)); // one failed sample; the next is a second away
  broken = false;
  const r = await x.finish();
  const answers = r.probes[0]!;
  assert.equal(answers.held, true, 'it answers at the end');
  assert.equal(answers.failures, 1);
  assert.equal(answers.checks, 2);
  assert.ok(answers.outages[0]!.to !== undefined, 'the outage ended');
});
