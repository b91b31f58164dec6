import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpuOf, memoryOf, sumCpu } from './stats.js';

describe('stats conversion', () => {
  it('computes nanocores from two samples over wall time', () => {
    const cpu = cpuOf({
      read: '2026-01-01T00:00:01.000Z',
      preread: '2026-01-01T00:00:00.000Z',
      cpu_stats: { cpu_usage: { total_usage: 3_500_000_000 }, system_cpu_usage: 0, online_cpus: 4 },
      precpu_stats: { cpu_usage: { total_usage: 3_000_000_000 } },
    });
    assert.deepEqual(cpu, { usageNanoCores: 500_000_000, usageCoreNanoSeconds: 3_500_000_000 });
  });

  it('falls back to the system delta, and reports 0 without a previous sample', () => {
    const cpu = cpuOf({
      cpu_stats: { cpu_usage: { total_usage: 2_000 }, system_cpu_usage: 20_000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000 },
    });
    assert.equal(cpu.usageNanoCores, 200_000_000);
    assert.equal(cpuOf({ cpu_stats: { cpu_usage: { total_usage: 5 } } }).usageNanoCores, 0);
  });

  it('working set = usage - inactive_file (cgroup v2 and v1 names), never negative', () => {
    assert.deepEqual(memoryOf({ memory_stats: { usage: 1000, stats: { inactive_file: 300 } } }), { usageBytes: 1000, workingSetBytes: 700 });
    assert.equal(memoryOf({ memory_stats: { usage: 1000, stats: { total_inactive_file: 100 } } }).workingSetBytes, 900);
    assert.equal(memoryOf({ memory_stats: { usage: 10, stats: { inactive_file: 300 } } }).workingSetBytes, 0);
    assert.deepEqual(sumCpu([{ usageNanoCores: 1, usageCoreNanoSeconds: 2 }, { usageNanoCores: 3, usageCoreNanoSeconds: 4 }]), { usageNanoCores: 4, usageCoreNanoSeconds: 6 });
  });
});
