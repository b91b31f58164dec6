/**
 * The lab's active faults, kept in `.kubelab/<project>/chaos.json` (beside its compose.env) so
 * that `kubelab status` shows them and `kubelab chaos heal` can undo each one exactly.
 */
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { labComposeEnvPath } from '../compose-env.js';

export type FaultKind = 'stop' | 'pause' | 'partition' | 'latency' | 'clock-skew';

/** How the fault was made, so that healing it restores exactly what was there. */
export interface FaultRecord {
  id: string;
  kind: FaultKind;
  /** The target as the user named it (component, service, Node name). */
  target: string;
  container: { id: string; name: string };
  since: string;
  /** Human words: "paused", "cut off the lab network", "200ms ±20ms, 5% loss". */
  detail: string;
  /** partition as recorded by earlier versions (a network disconnect): the address and aliases to reconnect with. */
  network?: { name: string; ip: string; aliases: string[] };
  /** partition / latency: the commands that undo it, run in the container's network namespace. */
  undo?: string[][];
  /** clock-skew: the offset of the component's clock, in milliseconds (heal sets it back to 0). */
  skewMs?: number;
  /** latency through the delay proxy: its PID on the host (heal kills it). */
  proxyPid?: number;
}

export function chaosStatePath(root: string, project: string): string {
  return join(dirname(labComposeEnvPath(root, project)), 'chaos.json');
}

export async function readFaults(path: string): Promise<FaultRecord[]> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { faults?: FaultRecord[] };
    return Array.isArray(parsed.faults) ? parsed.faults : [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${path}: ${(err as Error).message} (delete it once the faults it lists are healed by hand)`);
  }
}

export async function writeFaults(path: string, faults: FaultRecord[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ faults }, null, 2)}\n`);
  await rename(tmp, path);
}

/** One line per fault for `kubelab status`. */
export function describeFaults(faults: readonly FaultRecord[], now = Date.now()): string[] {
  return faults.map(
    (f) =>
      `${f.id}  ${f.kind.padEnd(9)} ${f.target} (${f.container.name}): ${f.detail}${f.proxyPid ? ` (proxy PID ${f.proxyPid})` : ''}, for ${Math.round((now - Date.parse(f.since)) / 1000)}s`,
  );
}

export function newFaultId(existing: readonly FaultRecord[]): string {
  const max = Math.max(0, ...existing.map((f) => Number(/^f(\d+)$/.exec(f.id)?.[1] ?? 0)));
  return `f${max + 1}`;
}
