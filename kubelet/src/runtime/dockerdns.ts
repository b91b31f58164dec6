/** The sandbox's /etc/resolv.conf on Docker: waiting until the sandbox has written it (sandboxspec.ts pauseCommandLine). */
import type { IncomingMessage } from 'node:http';
import type Dockerode from 'dockerode';
import { RESOLV_WRITTEN_MARKER } from './sandboxspec.js';
import { RuntimeError, type RuntimeContainer } from './runtime.js';

export interface ResolvWaitDeps {
  docker: Dockerode;
  /** The runtime's Docker call (lane, deadline, RuntimeError). */
  call<T>(what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  inspect(id: string): Promise<RuntimeContainer | undefined>;
}

/**
 * Resolves once the sandbox has written the pod's /etc/resolv.conf (its marker file exists), so
 * that no app container starts with Docker's; throws when the sandbox stopped first (the write
 * failed) or took longer than timeoutMs. Usually the first look finds it: the shell writes the
 * file within a millisecond of the start, and this runs beside the sandbox's inspect.
 */
export async function resolvWritten(id: string, d: ResolvWaitDeps, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
    try {
      const res = (await d.call(`stat ${id.slice(0, 12)}:${RESOLV_WRITTEN_MARKER}`, (abortSignal) =>
        d.docker.getContainer(id).infoArchive({ path: RESOLV_WRITTEN_MARKER, abortSignal }),
      )) as IncomingMessage;
      res.resume();
      return;
    } catch (err) {
      if (!(err instanceof RuntimeError && err.status === 404)) throw err;
    }
    const c = await d.inspect(id);
    if (c?.state !== 'running' || Date.now() > deadline)
      throw new RuntimeError(
        `sandbox ${id.slice(0, 12)} did not write /etc/resolv.conf (state ${c?.state ?? 'missing'}); the pause image (KUBELAB_PAUSE_IMAGE) needs sh and printf`,
      );
    await new Promise((r) => setTimeout(r, wait));
  }
}
