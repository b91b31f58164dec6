/** Faults as values (`inject(lab, fault)`), each returning a handle that heals it. */
import type { LabChaos } from '@kubelab/cli/chaos/faults';

export type Fault =
  | { kind: 'kill'; target: string }
  | { kind: 'restart'; target: string }
  | { kind: 'stop'; target: string }
  | { kind: 'pause'; target: string }
  | { kind: 'partition'; target: string; from?: string }
  | { kind: 'loss'; target: string; percent: number }
  /** Without netem (or with `to`): through a delay proxy towards `to` (the apiservers by default). */
  | { kind: 'latency'; target: string; delayMs: number; jitterMs?: number; lossPercent?: number; to?: string }
  /** The target's clock moved by offsetMs (controller-manager, scheduler, kubelet/Node, apiserver). */
  | { kind: 'clock-skew'; target: string; offsetMs: number };

export interface FaultHandle {
  fault: Fault;
  /** When it was injected (ms since the epoch). */
  at: number;
  /** When heal() was called, once it was. */
  healedAt?: number;
  /** Undoes it (a no-op for kill and restart, which heal by themselves). Safe to call twice. */
  heal(): Promise<void>;
}

export const describeFault = (f: Fault): string =>
  `${f.kind} ${f.target}${f.kind === 'partition' && f.from ? ` from ${f.from}` : ''}`;

export async function injectFault(chaos: LabChaos, fault: Fault): Promise<FaultHandle> {
  const at = Date.now();
  let ids: string[] = [];
  switch (fault.kind) {
    case 'kill':
      await chaos.kill(fault.target);
      break;
    case 'restart':
      await chaos.restart(fault.target);
      break;
    case 'stop':
      ids = (await chaos.stop(fault.target)).map((f) => f.id);
      break;
    case 'pause':
      ids = (await chaos.pause(fault.target)).map((f) => f.id);
      break;
    case 'partition':
      ids = (await chaos.partition(fault.target, fault.from)).map((f) => f.id);
      break;
    case 'loss':
      ids = (await chaos.latency(fault.target, { delayMs: 0, jitterMs: 0, loss: fault.percent / 100 })).faults.map(
        (f) => f.id,
      );
      break;
    case 'latency':
      ids = (
        await chaos.latency(fault.target, {
          delayMs: fault.delayMs,
          jitterMs: fault.jitterMs ?? 0,
          loss: (fault.lossPercent ?? 0) / 100,
          ...(fault.to ? { to: fault.to } : {}),
        })
      ).faults.map((f) => f.id);
      break;
    case 'clock-skew':
      ids = (await chaos.clockSkew(fault.target, fault.offsetMs)).map((f) => f.id);
      break;
    default: {
      const never: never = fault;
      throw new Error(`unknown fault ${JSON.stringify(never)}`);
    }
  }
  const handle: FaultHandle = {
    fault,
    at,
    heal: async () => {
      if (handle.healedAt !== undefined) return;
      for (const id of ids) await chaos.heal(id);
      handle.healedAt = Date.now();
    },
  };
  return handle;
}
