/**
 * Commands run in a lab container's network namespace from the host (`nsenter -t PID -n`), with
 * the host's own `tc` and `iptables`: the lab's images are built from scratch and carry neither.
 * Whether the kernel has sch_netem (for delay) is found by trying it in a throwaway namespace.
 */
import { run } from '../exec.js';

export async function inNetns(pid: number, argv: string[]): Promise<void> {
  const r = await run('nsenter', ['-t', String(pid), '-n', ...argv], { timeoutMs: 15_000 });
  if (r.code !== 0)
    throw new Error(
      `${argv.join(' ')} in the namespace of PID ${pid} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`,
    );
}

let netem: Promise<string | undefined> | undefined;

/** undefined when netem works here; else why not. */
export function netemMissing(): Promise<string | undefined> {
  netem ??= (async () => {
    try {
      const r = await run('unshare', ['-n', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], {
        timeoutMs: 15_000,
      });
      if (r.code === 0) return undefined;
      return /unknown/i.test(r.stderr)
        ? 'this kernel has no sch_netem module (tc: "Specified qdisc kind is unknown")'
        : `tc netem does not work here: ${r.stderr.trim()}`;
    } catch (err) {
      return `cannot try tc netem (${(err as Error).message}): install iproute2 and util-linux, run as root`;
    }
  })();
  return netem;
}

/** iptables rules that drop a share of packets both ways (works without netem). */
export function lossRules(loss: number): { add: string[][]; undo: string[][] } {
  const rule = (chain: string) => [
    chain,
    '-m',
    'statistic',
    '--mode',
    'random',
    '--probability',
    String(loss),
    '-m',
    'comment',
    '--comment',
    'kubelab-chaos',
    '-j',
    'DROP',
  ];
  return {
    add: [
      ['iptables', '-I', ...rule('INPUT')],
      ['iptables', '-I', ...rule('OUTPUT')],
    ],
    undo: [
      ['iptables', '-D', ...rule('INPUT')],
      ['iptables', '-D', ...rule('OUTPUT')],
    ],
  };
}

/** iptables rules that cut a container off from some peers' addresses, both ways. */
export function peerRules(ips: readonly string[]): { add: string[][]; undo: string[][] } {
  const add: string[][] = [];
  const undo: string[][] = [];
  for (const ip of ips) {
    for (const [chain, dir] of [
      ['INPUT', '-s'],
      ['OUTPUT', '-d'],
    ] as const) {
      const rule = [chain, dir, ip, '-m', 'comment', '--comment', 'kubelab-chaos', '-j', 'DROP'];
      add.push(['iptables', '-I', ...rule]);
      undo.push(['iptables', '-D', ...rule]);
    }
  }
  return { add, undo };
}

/** A peer's address and port whose connections go through the delay proxy, from LISTEN on 127.0.0.1. */
export interface Redirect {
  ip: string;
  port: number;
  listen: number;
}

/** The uid (and gid) the delay proxy runs as: its own connections are exempt from the REDIRECT. */
export const PROXY_UID = 65534;

/** nat OUTPUT REDIRECTs of the target's new connections to each peer address:port into the proxy. */
export function redirectRules(redirects: readonly Redirect[]): { add: string[][]; undo: string[][] } {
  const add: string[][] = [];
  const undo: string[][] = [];
  for (const r of redirects) {
    const rule = [
      'OUTPUT',
      '-p',
      'tcp',
      '-d',
      r.ip,
      '--dport',
      String(r.port),
      '-m',
      'owner',
      '!',
      '--uid-owner',
      String(PROXY_UID),
      '-m',
      'comment',
      '--comment',
      'kubelab-chaos',
      '-j',
      'REDIRECT',
      '--to-ports',
      String(r.listen),
    ];
    add.push(['iptables', '-t', 'nat', '-A', ...rule]);
    undo.push(['iptables', '-t', 'nat', '-D', ...rule]);
  }
  return { add, undo };
}

/** The proxy's listening ports: one per peer address:port, from `base` up. */
export function planRedirects(peers: readonly { ip: string; ports: readonly number[] }[], base = 39000): Redirect[] {
  const out: Redirect[] = [];
  for (const p of peers) for (const port of p.ports) out.push({ ip: p.ip, port, listen: base + out.length });
  return out;
}

/**
 * The TCP ports listening on other than loopback, from a /proc/PID/net/tcp (the namespace of PID):
 * what a peer serves on the lab network.
 */
export function listeningPorts(procNetTcp: string): number[] {
  const ports = new Set<number>();
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== '0A') continue; // TCP_LISTEN
    const [addr, port] = f[1]!.split(':');
    // /proc/net/tcp writes 127.0.0.1 as 0100007F (little-endian): loopback ends in 7F (also as
    // ::ffff:127.x in tcp6); ::1 is 0…01000000.
    if (!addr || !port || addr.endsWith('7F') || addr === '00000000000000000000000001000000') continue;
    ports.add(Number.parseInt(port, 16));
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * Starts the delay proxy in the namespace of PID as uid 65534, detached (it outlives the CLI);
 * resolves with its PID once it listens.
 */
export async function startDelayProxy(
  pid: number,
  redirects: readonly Redirect[],
  delayMs: number,
  jitterMs: number,
): Promise<number> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('./delay-proxy.js', import.meta.url));
  const args = [
    '-t',
    String(pid),
    '-n',
    '-S',
    String(PROXY_UID),
    '-G',
    String(PROXY_UID),
    process.execPath,
    script,
    '--delay',
    String(delayMs),
    '--jitter',
    String(jitterMs),
    ...redirects.map((r) => `${r.listen}=${r.ip}:${r.port}`),
  ];
  const child = spawn('nsenter', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => fail(new Error('the delay proxy did not start within 15 s')), 15_000);
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (done || !out.includes('ready\n')) return;
      done = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      resolve(child.pid!);
    });
    child.on('error', fail);
    child.on('exit', (code) =>
      fail(new Error(`the delay proxy exited (${code}) in the namespace of PID ${pid}: ${err.trim()}`)),
    );
  });
}

/** Kills the delay proxy of a fault, if that PID is still it. */
export async function stopDelayProxy(pid: number): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmd.includes('delay-proxy')) return; // gone already (or the PID is another process now)
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50; i++) {
    if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(pid, 'SIGKILL');
}

/** `ss -K` arguments that reset the established connections to a peer address:port. */
export function killConnectionsArgs(r: { ip: string; port: number }): string[] {
  return ['ss', '-K', 'dst', r.ip, 'dport', '=', String(r.port)];
}
