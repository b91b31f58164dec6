/** Docker's stats JSON → kubelet summary numbers (memory working set; sums). CPU rates: collector.ts. */
import type { CpuStats, MemoryStats } from '@kubelab/proto';

/** The part of Docker's /containers/{id}/stats answer we read. */
export interface DockerStats {
  read?: string;
  preread?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

export function memoryOf(s: DockerStats): MemoryStats {
  const usage = s.memory_stats?.usage ?? 0;
  const st = s.memory_stats?.stats ?? {};
  // cgroup v2 names it inactive_file, v1 total_inactive_file.
  const inactive = st['inactive_file'] ?? st['total_inactive_file'] ?? 0;
  return { usageBytes: usage, workingSetBytes: Math.max(0, usage - inactive) };
}

export function sumCpu(list: CpuStats[]): CpuStats {
  return list.reduce((a, c) => ({ usageNanoCores: a.usageNanoCores + c.usageNanoCores, usageCoreNanoSeconds: a.usageCoreNanoSeconds + c.usageCoreNanoSeconds }), { usageNanoCores: 0, usageCoreNanoSeconds: 0 });
}

export function sumMemory(list: MemoryStats[]): MemoryStats {
  return list.reduce((a, m) => ({ usageBytes: a.usageBytes + m.usageBytes, workingSetBytes: a.workingSetBytes + m.workingSetBytes }), { usageBytes: 0, workingSetBytes: 0 });
}
