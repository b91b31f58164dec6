import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryOf, sumCpu } from './stats.js';

describe('stats conversion', () => {
  it('working set = usage - inactive_file (cgroup v2 and v1 names), never negative', () => {
    assert.deepEqual(memoryOf({ memory_stats: { usage: 1000, stats: { inactive_file: 300 } } }), { usageBytes: 1000, workingSetBytes: 700 });
    assert.equal(memoryOf({ memory_stats: { usage: 1000, stats: { total_inactive_file: 100 } } }).workingSetBytes, 900);
    assert.equal(memoryOf({ memory_stats: { usage: 10, stats: { inactive_file: 300 } } }).workingSetBytes, 0);
    assert.deepEqual(sumCpu([{ usageNanoCores: 1, usageCoreNanoSeconds: 2 }, { usageNanoCores: 3, usageCoreNanoSeconds: 4 }]), { usageNanoCores: 4, usageCoreNanoSeconds: 6 });
  });
});
