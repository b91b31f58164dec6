import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fault, FaultHandle } from './fault.js';
import type { TestLab } from './lab.js';
import { parseScenario } from './scenario.js';
import { runScenario } from './scenario-run.js';

/** A lab whose faults are only recorded; `failOn` makes injecting that target throw. */
function fakeLab(failOn?: string) {
  const log: string[] = [];
  let active: string[] = [];
  const lab = {
    project: 'fake',
    chaos: {
      listTargets: async () => ({ services: ['scheduler', 'etcd'], nodes: ['node-b', 'node-a'] }),
      heal: async () => {
        const healed = active.map((a) => ({ id: a, kind: 'pause', target: a }));
        log.push(...active.map((a) => `heal --all ${a}`));
        active = [];
        return healed;
      },
      faults: async () => active.map((a) => ({ id: a, kind: 'pause', target: a })),
    },
    inject: async (fault: Fault): Promise<FaultHandle> => {
      if (fault.target === failOn) throw new Error(`${fault.target}: no such target`);
      const name = `${fault.kind} ${fault.target}`;
      log.push(name);
      const lasting = fault.kind !== 'kill' && fault.kind !== 'restart';
      if (lasting) active.push(name);
      const h: FaultHandle = {
        fault,
        at: Date.now(),
        heal: async () => {
          if (h.healedAt !== undefined) return;
          log.push(`heal ${name}`);
          active = active.filter((a) => a !== name);
          h.healedAt = Date.now();
        },
      };
      return h;
    },
  };
  return { lab: lab as unknown as TestLab, log };
}

async function withServer<T>(f: (url: string) => Promise<T>): Promise<T> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await f(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const scenario = (url: string, steps: string) =>
  parseScenario(`name: t\nrecover: 5s\nprobes: [{http: {url: "${url}"}, name: web, interval: 20ms}]\nsteps:\n${steps}`);

test('a run injects each step, heals after its for, picks random targets from the seed, and reports', async () => {
  await withServer(async (url) => {
    const { lab, log } = fakeLab();
    const s = scenario(
      url,
      '  - {at: 0s, fault: pause scheduler, for: 30ms}\n  - {at: 10ms, fault: kill random node}\n',
    );
    const lines: string[] = [];
    const r = await runScenario(lab, s, { seed: 3, log: (l) => lines.push(l) });
    assert.deepEqual([r.ok, r.exitCode, r.healed, r.seed], [true, 0, true, 3], lines.join('\n'));
    assert.ok(log.includes('pause scheduler') && log.includes('heal pause scheduler'), log.join(', '));
    const picked = r.steps[1]!.target!;
    assert.ok(['node-a', 'node-b'].includes(picked));
    assert.ok(log.includes(`kill ${picked}`));
    assert.ok(r.steps[0]!.lastedMs! >= 30, `lasted ${r.steps[0]!.lastedMs}`);
    const again = await runScenario(fakeLab().lab, s, { seed: 3, log: () => undefined });
    assert.equal(again.steps[1]!.target, picked, 'the same seed picks the same node');
    assert.deepEqual([r.probes[0]!.ok, r.probes[0]!.start.ok, r.probes[0]!.end.ok], [true, true, true]);
    assert.match(lines[0]!, /seed 3 \(--seed 3 repeats this schedule\)/);
  });
});

test('with a duration, a fault without for lasts until the end of the run', async () => {
  await withServer(async (url) => {
    const { lab, log } = fakeLab();
    const s = parseScenario(
      `name: t\nduration: 1s\nprobes: [{http: {url: "${url}"}}]\nsteps: [{at: 0s, fault: pause etcd}, {at: 0s, fault: stop scheduler, for: 10ms}]\n`,
    );
    const r = await runScenario(lab, s, { seed: 1, log: () => undefined });
    assert.equal(r.exitCode, 0);
    assert.ok(r.steps[0]!.healedAtMs! >= 1000, `pause etcd healed at ${r.steps[0]!.healedAtMs} ms`);
    assert.ok(r.steps[1]!.healedAtMs! < r.steps[0]!.healedAtMs!, 'stop scheduler healed after its for');
    assert.deepEqual(log, ['pause etcd', 'stop scheduler', 'heal stop scheduler', 'heal pause etcd']);
  });
});

test('a failed step stops the schedule, and what was injected is healed: exit 1', async () => {
  await withServer(async (url) => {
    const { lab, log } = fakeLab('nowhere');
    const s = scenario(
      url,
      '  - {at: 0s, fault: pause scheduler, for: 1h}\n  - {at: 0s, fault: stop nowhere}\n  - {at: 1h, fault: kill etcd}\n',
    );
    const r = await runScenario(lab, s, { seed: 1, log: () => undefined });
    assert.deepEqual([r.ok, r.exitCode, r.healed], [false, 1, true]);
    assert.match(r.error ?? '', /step 1 \(stop nowhere\) failed: nowhere: no such target/);
    assert.equal(r.steps[1]!.error, 'nowhere: no such target');
    assert.equal(r.steps[2]!.injectedAtMs, undefined, 'the later step never ran');
    assert.ok(log.includes('heal pause scheduler'), log.join(', '));
    assert.ok(r.steps[0]!.healedAtMs !== undefined);
  });
});

test('interrupted: nothing more injected, everything healed, exit 130; a dead probe at the start: no fault, exit 1', async () => {
  await withServer(async (url) => {
    const { lab, log } = fakeLab();
    const ac = new AbortController();
    const s = scenario(url, '  - {at: 0s, fault: pause etcd}\n  - {at: 1h, fault: kill scheduler}\n');
    const running = runScenario(lab, s, {
      seed: 1,
      log: (l) => l.includes('step 0: pause') && ac.abort(),
      signal: ac.signal,
    });
    const r = await running;
    assert.deepEqual([r.interrupted, r.exitCode, r.healed], [true, 130, true]);
    assert.ok(log.includes('heal pause etcd'), log.join(', '));
    assert.equal(r.steps[1]!.injectedAtMs, undefined);
  });
  const { lab, log } = fakeLab();
  const dead = scenario('http://127.0.0.1:1/', '  - {at: 0s, fault: pause etcd}\n');
  const r = await runScenario(lab, dead, { seed: 1, log: () => undefined });
  assert.deepEqual([r.ok, r.exitCode, r.probes[0]!.start.ok, log], [false, 1, false, []]);
});
