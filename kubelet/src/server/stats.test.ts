import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sumCpu, sumMemory } from './stats.js';

describe('stats sums', () => {
  it('adds up CPU and memory', () => {
    assert.deepEqual(
      sumCpu([
        { usageNanoCores: 1, usageCoreNanoSeconds: 2 },
        { usageNanoCores: 3, usageCoreNanoSeconds: 4 },
      ]),
      { usageNanoCores: 4, usageCoreNanoSeconds: 6 },
    );
    assert.deepEqual(
      sumMemory([
        { usageBytes: 10, workingSetBytes: 5 },
        { usageBytes: 1, workingSetBytes: 1 },
      ]),
      { usageBytes: 11, workingSetBytes: 6 },
    );
    assert.deepEqual(sumCpu([]), { usageNanoCores: 0, usageCoreNanoSeconds: 0 });
  });
});
