/** Runs a program with input on stdin; rejects with its stderr. */
import { spawn } from 'node:child_process';

export function runWithInput(file: string, args: string[], input: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(file, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${file}: ${e.message}`));
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(`${file} ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(0, 6).join(' | ')}`),
        );
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(input);
  });
}
