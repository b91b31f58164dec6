import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatsCollector, rate } from './collector.js';
import type { ContainerStatsSample } from '../runtime/runtime.js';

/** A fake runtime's stats: cumulative CPU per container, read time = the fake clock. */
function fakeStats(clock: { t: number }) {
  const cpu = new Map<string, number>();
  const calls: string[] = [];
  let gate: Promise<void> | undefined;
  return {
    cpu,
    calls,
    hold(): () => void {
      let open!: () => void;
      gate = new Promise<void>((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
    read: async (id: string): Promise<ContainerStatsSample> => {
      calls.push(id);
      if (gate) await gate;
      if (!cpu.has(id)) throw new Error(`no such container: ${id}`);
      return {
        timestamp: clock.t,
        cpuUsageCoreNanoSeconds: cpu.get(id) ?? 0,
        memory: { usageBytes: 1000, workingSetBytes: 800 },
      };
    },
  };
}

describe('stats collector', () => {
  it('rate: CPU ns per wall ns in nanocores; 0 when time or counters go backwards', () => {
    assert.equal(rate(0, 0, 500_000_000, 1000), 500_000_000);
    assert.equal(rate(10, 1000, 5, 2000), 0);
    assert.equal(rate(0, 1000, 5, 1000), 0);
  });

  it('first sample: average since start; later: the rate between its own samples', async () => {
    const clock = { t: Date.parse('2026-01-01T00:00:10Z') };
    const d = fakeStats(clock);
    const c = new StatsCollector({ read: d.read, now: () => clock.t, maxAgeMs: 10_000 });
    d.cpu.set('a', 2_000_000_000); // 2 s of CPU over 10 s → 0.2 cores
    const first = await c.usage([{ id: 'a', startedAt: '2026-01-01T00:00:00Z' }]);
    assert.equal(first.get('a')?.cpu.usageNanoCores, 200_000_000);
    assert.deepEqual(first.get('a')?.memory, { usageBytes: 1000, workingSetBytes: 800 });

    clock.t += 10_000;
    d.cpu.set('a', 7_000_000_000); // 5 s more over 10 s → 0.5 cores
    // Stale: answered from the cache at once, refreshed in the background.
    const cached = await c.usage([{ id: 'a' }]);
    assert.equal(cached.get('a')?.cpu.usageNanoCores, 200_000_000);
    await new Promise((r) => setImmediate(r));
    const fresh = await c.usage([{ id: 'a' }]);
    assert.equal(fresh.get('a')?.cpu.usageNanoCores, 500_000_000);
    assert.equal(fresh.get('a')?.cpu.usageCoreNanoSeconds, 7_000_000_000);
  });

  it('serves fresh samples without calling the runtime, and shares one refresh between requests', async () => {
    const clock = { t: 1_000_000 };
    const d = fakeStats(clock);
    d.cpu.set('a', 1).set('b', 1);
    const c = new StatsCollector({ read: d.read, now: () => clock.t });
    const open = d.hold();
    const r1 = c.usage([{ id: 'a' }, { id: 'b' }]);
    const r2 = c.usage([{ id: 'a' }, { id: 'b' }]);
    open();
    const [u1, u2] = await Promise.all([r1, r2]);
    assert.equal(u1.size, 2);
    assert.equal(u2.size, 2);
    assert.deepEqual(d.calls.sort(), ['a', 'b']);
    clock.t += 5_000;
    await c.usage([{ id: 'a' }, { id: 'b' }]);
    assert.equal(d.calls.length, 2, 'no stats call within maxAge');
  });

  it('a container whose stats fail is left out; others are still reported', async () => {
    const clock = { t: 1_000_000 };
    const d = fakeStats(clock);
    d.cpu.set('a', 1);
    const errors: string[] = [];
    const c = new StatsCollector({ read: d.read, now: () => clock.t, onError: (id) => errors.push(id) });
    const u = await c.usage([{ id: 'a' }, { id: 'gone' }]);
    assert.deepEqual([...u.keys()], ['a']);
    assert.deepEqual(errors, ['gone']);
  });

  it('a call that hangs is cut off by the deadline', async () => {
    const c = new StatsCollector({ read: () => new Promise<ContainerStatsSample>(() => undefined), timeoutMs: 20 });
    const u = await c.usage([{ id: 'stuck' }]);
    assert.equal(u.size, 0);
  });
});
