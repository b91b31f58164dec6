/**
 * Profiling aid: with KUBELAB_CPU_PROFILE=<dir> a component records a V8 CPU profile from start to
 * shutdown and writes it to <dir>/<component>-<pid>.cpuprofile (open it in Chrome DevTools). For
 * containers: `node --cpu-prof` cannot be given through NODE_OPTIONS, this can.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import type { Logger } from 'pino';

/** Starts profiling when the variable is set; the returned function writes the profile. */
export function startCpuProfile(
  component: string,
  log: Logger,
  dir = process.env['KUBELAB_CPU_PROFILE'],
): () => Promise<void> {
  if (!dir) return () => Promise.resolve();
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
    );
  const started = post('Profiler.enable').then(() => post('Profiler.start'));
  log.info({ dir }, 'recording a CPU profile until shutdown');
  return async () => {
    try {
      await started;
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${component}-${process.pid}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      log.info({ file }, 'CPU profile written');
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not write the CPU profile');
    } finally {
      session.disconnect();
    }
  };
}
