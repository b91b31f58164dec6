/**
 * Helpers for the kubectl compatibility suite: locating versioned kubectl binaries, running
 * long-lived kubectl commands (watch, logs -f, port-forward) until their output shows something,
 * and a command × version pass matrix.
 */
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { run, type RunResult } from './kubectl.js';

/** Finds `name` on PATH, else beside the real `kubectl` (where kubectl.1.27 … live). */
export function findKubectl(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  for (const d of dirs) if (existsSync(join(d, name))) return join(d, name);
  for (const d of dirs) {
    const p = join(d, 'kubectl');
    if (!existsSync(p)) continue;
    const beside = join(dirname(realpathSync(p)), name);
    if (existsSync(beside)) return beside;
  }
  return undefined;
}

/** One kubectl binary bound to a kubeconfig and a namespace. */
export interface Kc {
  label: string;
  bin: string;
  ns: string;
  kubeconfig: string;
  /** Runs in the namespace (adds -n ns). */
  k(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult>;
  /** Must succeed; returns stdout. */
  ok(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<string>;
  json<T>(args: string[]): Promise<T>;
}

export function kc(label: string, bin: string, ns: string, kubeconfig: () => string): Kc {
  const self: Kc = {
    label,
    bin,
    ns,
    get kubeconfig() {
      return kubeconfig();
    },
    k: (args, opts = {}) =>
      run(bin, ['-n', ns, ...args], {
        input: opts.input,
        timeoutMs: opts.timeoutMs ?? 120_000,
        env: { ...process.env, KUBECONFIG: kubeconfig(), ...opts.env },
      }),
    ok: async (args, opts) => {
      const r = await self.k(args, opts);
      if (r.code !== 0)
        throw new Error(`${label} ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).slice(0, 1500)}`);
      return r.stdout;
    },
    json: async <T>(args: string[]) => JSON.parse(await self.ok([...args, '-o', 'json'])) as T,
  };
  return self;
}

export interface Streaming {
  /** Resolves with all stdout so far once it matches, rejects after the timeout. */
  until(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): void;
  output(): string;
}

/** Starts a long-running command (kubectl get -w, logs -f, port-forward) and streams its output. */
export function stream(cmd: string, args: string[], env: NodeJS.ProcessEnv): Streaming {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const poke = () => waiters.forEach((w) => w());
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    poke();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    poke();
  });
  let exited = false;
  child.on('close', () => {
    exited = true;
    poke();
  });
  return {
    output: () => out,
    stop: () => {
      if (!exited) child.kill('SIGTERM');
    },
    until: (re, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (re.test(out)) {
            done();
            resolve(out);
          } else if (exited) {
            done();
            reject(new Error(`${cmd} ${args.join(' ')} exited before printing ${re}: stdout=${out} stderr=${err}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${re} from ${args.join(' ')}: stdout=${out} stderr=${err}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}

/** Command × version results, printed at the end. */
export class Matrix {
  private readonly rows = new Map<string, Map<string, string>>();
  constructor(private readonly columns: string[]) {}
  set(row: string, column: string, mark: string): void {
    let r = this.rows.get(row);
    if (!r) this.rows.set(row, (r = new Map()));
    r.set(column, mark);
  }
  render(): string {
    const w = Math.max(7, ...[...this.rows.keys()].map((k) => k.length));
    const lines = [['command'.padEnd(w), ...this.columns.map((c) => c.padEnd(6))].join(' ')];
    for (const [row, cells] of this.rows)
      lines.push([row.padEnd(w), ...this.columns.map((c) => (cells.get(c) ?? '-').padEnd(6))].join(' '));
    return lines.join('\n');
  }
}
