/** Runs the real kubectl (any installed version) against a kubeconfig, and waits for conditions. */
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  kubeconfig: string;
  /** "1.27" … "1.33", or undefined for the default `kubectl`. */
  version?: string;
  input?: string;
  timeoutMs?: number;
}

export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    // A child that exits before reading its input (most do: kubectl reads stdin only with -f -)
    // makes the write fail with EPIPE; the exit code and output say what happened.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function kubectl(args: string[], opts: KubectlOptions): Promise<RunResult> {
  const bin = opts.version ? `kubectl.${opts.version}` : 'kubectl';
  return run(bin, args, {
    input: opts.input,
    timeoutMs: opts.timeoutMs,
    env: { ...process.env, KUBECONFIG: opts.kubeconfig },
  });
}

/** kubectl that must succeed; returns stdout. */
export async function kubectlOk(args: string[], opts: KubectlOptions): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export async function kubectlJson<T>(args: string[], opts: KubectlOptions): Promise<T> {
  return JSON.parse(await kubectlOk([...args, '-o', 'json'], opts)) as T;
}

/**
 * Polls `check` until it returns a value (not undefined) or the deadline passes, printing what it
 * waits for every 5 s. The error says what was awaited and the last observation.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<T> {
  const start = Date.now();
  let lastReport = start;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
      last = 'not yet';
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    const now = Date.now();
    if (now - start > timeoutMs)
      throw new Error(
        `timed out after ${Math.round((now - start) / 1000)}s waiting for ${what}; last: ${String(last)}`,
      );
    if (now - lastReport >= 5000) {
      console.log(`  … waiting for ${what} (${Math.round((now - start) / 1000)}s)`);
      lastReport = now;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
