/** Docker's stats JSON → kubelet summary numbers (CPU nanocores + cumulative, memory working set). */
import type { CpuStats, MemoryStats } from '@kubelab/proto';

/** The part of Docker's /containers/{id}/stats answer we read. */
export interface DockerStats {
  read?: string;
  preread?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

export function cpuOf(s: DockerStats): CpuStats {
  const total = s.cpu_stats?.cpu_usage?.total_usage ?? 0;
  const pre = s.precpu_stats?.cpu_usage?.total_usage ?? 0;
  const cpuDelta = pre > 0 && total >= pre ? total - pre : 0;
  let nano = 0;
  const readMs = s.read ? Date.parse(s.read) : NaN;
  const prereadMs = s.preread ? Date.parse(s.preread) : NaN;
  if (cpuDelta > 0 && Number.isFinite(readMs) && Number.isFinite(prereadMs) && readMs > prereadMs && prereadMs > 0) {
    // CPU nanoseconds used per wall nanosecond elapsed = cores; times 1e9 = nanocores.
    nano = (cpuDelta / ((readMs - prereadMs) * 1e6)) * 1e9;
  } else if (cpuDelta > 0) {
    const sys = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
    if (sys > 0) nano = (cpuDelta / sys) * cpus * 1e9;
  }
  return { usageNanoCores: Math.round(nano), usageCoreNanoSeconds: total };
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
