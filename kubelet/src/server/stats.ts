/** Sums of usage for the summary's node totals. CPU rates: collector.ts; a container's reading: the runtime's containerStats. */
import type { CpuStats, MemoryStats } from '@kubelab/proto';

export function sumCpu(list: CpuStats[]): CpuStats {
  return list.reduce(
    (a, c) => ({
      usageNanoCores: a.usageNanoCores + c.usageNanoCores,
      usageCoreNanoSeconds: a.usageCoreNanoSeconds + c.usageCoreNanoSeconds,
    }),
    { usageNanoCores: 0, usageCoreNanoSeconds: 0 },
  );
}

export function sumMemory(list: MemoryStats[]): MemoryStats {
  return list.reduce(
    (a, m) => ({ usageBytes: a.usageBytes + m.usageBytes, workingSetBytes: a.workingSetBytes + m.workingSetBytes }),
    { usageBytes: 0, workingSetBytes: 0 },
  );
}
