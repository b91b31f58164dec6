/** Runs host commands (docker, compose, npm, bash) with captured or line-by-line output. */
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Called with every output line (stdout and stderr) as it arrives. */
  onLine?: (line: string) => void;
  /** Kills the command (SIGTERM, then SIGKILL 5 s later) when it runs longer. */
  timeoutMs?: number;
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    const pending = { stdout: '', stderr: '' };
    const feed = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString();
      out[which] += text;
      if (!opts.onLine) return;
      const lines = (pending[which] + text).split(/\r?\n|\r/);
      pending[which] = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l);
    };
    child.stdout.on('data', feed('stdout'));
    child.stderr.on('data', feed('stderr'));
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }, opts.timeoutMs)
      : undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(`command not found: ${cmd}`) : err);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      for (const which of ['stdout', 'stderr'] as const) if (opts.onLine && pending[which]) opts.onLine(pending[which]);
      if (timedOut) out.stderr += `\n(killed after ${Math.round((opts.timeoutMs ?? 0) / 1000)}s)`;
      resolve({ code: code ?? 1, ...out });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** The last lines of a command's output, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Like run, but a non-zero exit becomes an error naming the command and quoting its output. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const output = tail(r.stderr.trim() ? r.stderr : r.stdout);
    throw new Error(`${cmd} ${args.join(' ')} exited with code ${r.code}${output ? `:\n${output}` : ''}`);
  }
  return r;
}
