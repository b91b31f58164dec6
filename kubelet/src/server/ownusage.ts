/**
 * The node's own share of the machine in its stats: a lab node is a kubelet container on a
 * shared engine, so what "the node uses" besides its pods is the kubelet process itself (as a
 * real node's total includes its kubelet and system daemons). CPU is the rate since the previous
 * sample (the first sample: since the process started); memory the process's resident set.
 */
import type { CpuStats, MemoryStats } from '@kubelab/proto';

export interface ProcessReadings {
  /** Microseconds of CPU (user + system) since the process started. */
  cpuMicros(): number;
  rssBytes(): number;
  nowMs(): number;
}

const realProcess: ProcessReadings = {
  cpuMicros: () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  },
  rssBytes: () => process.memoryUsage.rss(),
  nowMs: () => Date.now(),
};

export class OwnUsage {
  private last: { micros: number; at: number };

  constructor(private readonly p: ProcessReadings = realProcess) {
    this.last = { micros: 0, at: p.nowMs() - process.uptime() * 1000 };
  }

  sample(): { cpu: CpuStats; memory: MemoryStats } {
    const micros = this.p.cpuMicros();
    const at = this.p.nowMs();
    const elapsedMs = Math.max(1, at - this.last.at);
    const usageNanoCores = Math.max(0, ((micros - this.last.micros) * 1000 * 1000) / elapsedMs);
    this.last = { micros, at };
    const rss = this.p.rssBytes();
    return {
      cpu: { usageNanoCores, usageCoreNanoSeconds: micros * 1000 },
      memory: { usageBytes: rss, workingSetBytes: rss },
    };
  }
}
