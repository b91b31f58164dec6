/**
 * Probes, in Litmus's spirit: a check of what must hold, run at the start, continuously (every
 * `intervalMs` while the experiment runs), or at the end. A probe passes when its check resolves
 * to anything but `false`, and fails when it resolves `false` or throws (the message is kept).
 */
import { request } from 'node:http';
import { rolledOut, type LabClient } from './client.js';

export type ProbeMode = 'start' | 'continuous' | 'end';

export interface Probe {
  name: string;
  mode: ProbeMode;
  check(): Promise<unknown>;
  /** Continuous probes: between checks (default 500 ms). */
  intervalMs?: number;
}

/** Resolves true on the expected status within the timeout, throws otherwise. */
export function httpAnswers(url: string, o: { status?: number; timeoutMs?: number } = {}): () => Promise<true> {
  return () =>
    new Promise((resolve, reject) => {
      const req = request(url, { agent: false, timeout: o.timeoutMs ?? 2000 }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === (o.status ?? 200)
            ? resolve(true)
            : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`)),
        );
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${o.timeoutMs ?? 2000} ms`)));
      req.on('error', reject);
      req.end();
    });
}

export function httpProbe(
  name: string,
  url: string,
  mode: ProbeMode = 'continuous',
  o: { status?: number; timeoutMs?: number; intervalMs?: number } = {},
): Probe {
  return { name, mode, check: httpAnswers(url, o), ...(o.intervalMs ? { intervalMs: o.intervalMs } : {}) };
}

/** The Deployment has every replica of its current generation updated and available. */
export function deploymentAvailable(
  client: LabClient,
  name: string,
  mode: ProbeMode = 'end',
  namespace = 'default',
): Probe {
  return {
    name: `deployment ${namespace}/${name} available`,
    mode,
    check: async () => {
      const d = await client.deployment(name, namespace);
      if (!rolledOut(d))
        throw new Error(
          `${d.status.availableReplicas ?? 0}/${d.spec.replicas ?? 1} available, ${d.status.updatedReplicas ?? 0} updated`,
        );
      return true;
    },
  };
}

export function customProbe(name: string, mode: ProbeMode, check: () => Promise<unknown>, intervalMs?: number): Probe {
  return { name, mode, check, ...(intervalMs ? { intervalMs } : {}) };
}
