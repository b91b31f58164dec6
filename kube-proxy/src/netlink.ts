/**
 * The addresses of kube-proxy's own interface. The real manager runs the `ip` command (busybox's
 * in the lab image); the fake keeps a set, for tests.
 */
import { execFile } from 'node:child_process';

export interface AddressManager {
  /** The IPv4 addresses the interface carries with prefix length 32. */
  list(): Promise<string[]>;
  /** Adds ip/32; succeeds when it is already there. */
  add(ip: string): Promise<void>;
  /** Removes ip/32; succeeds when it is already gone. */
  remove(ip: string): Promise<void>;
}

/** Runs a program and resolves with its stdout, or rejects with an Error carrying its stderr. */
export type ExecFn = (file: string, args: string[]) => Promise<string>;

export const execCommand: ExecFn = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });

/** The /32 IPv4 addresses in the output of `ip addr show` (iproute2 and busybox print alike). */
export function parseHostAddresses(output: string): string[] {
  const out: string[] = [];
  for (const m of output.matchAll(/\binet (\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})\b/g)) {
    if (m[2] === '32') out.push(m[1]!);
  }
  return out;
}

export class IpCommandAddressManager implements AddressManager {
  private readonly file: string;
  private readonly prefixArgs: string[];

  /** `command` may carry leading arguments, e.g. "busybox ip". */
  constructor(
    command: string,
    private readonly iface: string,
    private readonly exec: ExecFn = execCommand,
  ) {
    const [file, ...rest] = command.trim().split(/\s+/);
    if (!file) throw new Error('the ip command must not be empty (KUBELAB_IP_CMD)');
    this.file = file;
    this.prefixArgs = rest;
  }

  private run(args: string[]): Promise<string> {
    return this.exec(this.file, [...this.prefixArgs, ...args]);
  }

  async list(): Promise<string[]> {
    return parseHostAddresses(await this.run(['-4', 'addr', 'show', 'dev', this.iface]));
  }

  async add(ip: string): Promise<void> {
    try {
      await this.run(['addr', 'add', `${ip}/32`, 'dev', this.iface]);
    } catch (err) {
      if (!/file exists/i.test(messageOf(err))) throw err;
    }
  }

  async remove(ip: string): Promise<void> {
    try {
      await this.run(['addr', 'del', `${ip}/32`, 'dev', this.iface]);
    } catch (err) {
      if (!/cannot assign requested address/i.test(messageOf(err))) throw err;
    }
  }
}

/**
 * Makes every address of a CIDR local to kube-proxy's network namespace with one route
 * (`ip route add local <cidr> dev <iface> table local`): it answers ARP for all of them and
 * sockets can bind any of them, so no Service needs an address of its own.
 */
export async function addLocalRoute(
  command: string,
  iface: string,
  cidr: string,
  exec: ExecFn = execCommand,
): Promise<void> {
  const [file, ...rest] = command.trim().split(/\s+/);
  try {
    await exec(file!, [...rest, 'route', 'add', 'local', cidr, 'dev', iface, 'table', 'local']);
  } catch (err) {
    if (!/file exists/i.test(messageOf(err))) throw err;
  }
}

/** Addresses come from local routes: adding is a no-op; listing and removing clean up /32s of older versions. */
export class LocalRouteAddressManager implements AddressManager {
  constructor(private readonly inner: AddressManager) {}
  list(): Promise<string[]> {
    return this.inner.list();
  }
  add(): Promise<void> {
    return Promise.resolve();
  }
  remove(ip: string): Promise<void> {
    return this.inner.remove(ip);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class FakeAddressManager implements AddressManager {
  readonly addresses = new Set<string>();
  readonly calls: string[] = [];
  /** When set, add/remove of this ip throws (to test retries). */
  failOn: string | undefined;

  constructor(initial: string[] = []) {
    for (const ip of initial) this.addresses.add(ip);
  }

  list(): Promise<string[]> {
    this.calls.push('list');
    return Promise.resolve([...this.addresses]);
  }

  add(ip: string): Promise<void> {
    this.calls.push(`add ${ip}`);
    if (this.failOn === ip)
      return Promise.reject(new Error(`ip addr add ${ip}/32: RTNETLINK answers: Operation not permitted`));
    this.addresses.add(ip);
    return Promise.resolve();
  }

  remove(ip: string): Promise<void> {
    this.calls.push(`del ${ip}`);
    if (this.failOn === ip)
      return Promise.reject(new Error(`ip addr del ${ip}/32: RTNETLINK answers: Operation not permitted`));
    this.addresses.delete(ip);
    return Promise.resolve();
  }
}
