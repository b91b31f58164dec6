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
