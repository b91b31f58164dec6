/**
 * The real apiserver binary (apiserver/dist/main.js) as a child process on a test etcd: plain
 * HTTP on loopback, random ports, its output kept for the report. Its memory is read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../storage/testing/etcd-server.js';

export interface ApiserverProcess {
  base: URL;
  proc: ChildProcess;
  /** The last lines it printed. */
  output(): string;
  /** Resident memory in MiB (VmRSS). */
  rssMiB(): number;
  /** CPU time used so far (user + system), in seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('../../main.js', import.meta.url));

export async function startApiserver(etcdEndpoint: string, deadlineMs = 30_000): Promise<ApiserverProcess> {
  const [rest, grpc] = [await freePort(), await freePort()];
  const proc = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      KUBELAB_ETCD: etcdEndpoint,
      KUBELAB_REST_PORT: String(rest),
      KUBELAB_GRPC_PORT: String(grpc),
      KUBELAB_COMPACT_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (b: Buffer): void => {
    tail = (tail + b.toString('utf8')).slice(-8_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const base = new URL(`http://127.0.0.1:${rest}`);
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the apiserver exited (${proc.exitCode}):\n${tail}`);
    const ok = await fetch(new URL('/api/v1/namespaces/default', base)).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) throw new Error(`the apiserver was not ready in ${deadlineMs} ms:\n${tail}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    proc,
    output: () => tail,
    cpuSeconds: () => {
      // /proc/<pid>/stat: fields 14 and 15 (after the parenthesized name) are utime and stime in ticks.
      const fields = readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    rssMiB: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
