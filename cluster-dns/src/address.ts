/**
 * The kube-dns Service's ClusterIP on this container's own interface, as a /32: pods then reach
 * the DNS server at that address directly (by ARP on the lab's bridge), with no proxy between.
 * kube-proxy leaves that Service alone (its service.kubernetes.io/service-proxy-name label), so
 * only this container answers ARP for it. The real binder runs the `ip` command (busybox's in
 * the lab image); the fake one records, for tests.
 */
import { execFile } from 'node:child_process';

export interface AddressBinder {
  /** Makes `ip` (or nothing) the one service address on the interface; idempotent. */
  bind(ip: string | undefined): Promise<void>;
}

export type ExecFn = (file: string, args: string[]) => Promise<string>;

export const execCommand: ExecFn = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });

export class IpAddressBinder implements AddressBinder {
  private readonly file: string;
  private readonly prefixArgs: string[];
  private current: string | undefined;

  private readonly arping: string[];

  /**
   * `command` may carry leading arguments, e.g. "busybox ip"; `arping` (e.g. "/bin/busybox
   * arping", "" for none) announces a newly added address, so that pods that knew it at another
   * container's MAC (a recreated cluster-dns) learn the new one at once instead of in seconds.
   */
  constructor(
    command: string,
    private readonly iface: string,
    private readonly exec: ExecFn = execCommand,
    arping = '',
  ) {
    const [file, ...rest] = command.trim().split(/\s+/);
    if (!file) throw new Error('KUBELAB_IP_CMD: Required value: the ip command');
    this.file = file;
    this.prefixArgs = rest;
    this.arping = arping.trim().split(/\s+/).filter((a) => a !== '');
  }

  /** Best effort: an unsolicited ARP reply for the address (neighbours update their caches). */
  private async announce(ip: string): Promise<void> {
    const [file, ...rest] = this.arping;
    if (!file) return;
    await this.exec(file, [...rest, '-U', '-c', '1', '-I', this.iface, '-s', ip, ip]).catch(() => undefined);
  }

  private run(args: string[]): Promise<string> {
    return this.exec(this.file, [...this.prefixArgs, ...args]);
  }

  /** Adds the address again each time (someone may have removed it); announces it only when it was missing. */
  async bind(ip: string | undefined): Promise<void> {
    if (this.current && this.current !== ip) {
      await this.run(['addr', 'del', `${this.current}/32`, 'dev', this.iface]).catch((err: Error) => {
        if (!/cannot assign requested address/i.test(err.message)) throw err;
      });
    }
    this.current = undefined;
    if (!ip) return;
    let existed = false;
    await this.run(['addr', 'add', `${ip}/32`, 'dev', this.iface]).catch((err: Error) => {
      if (!/file exists/i.test(err.message)) throw err;
      existed = true;
    });
    this.current = ip;
    if (!existed) await this.announce(ip);
  }
}

export class FakeAddressBinder implements AddressBinder {
  readonly calls: (string | undefined)[] = [];
  bind(ip: string | undefined): Promise<void> {
    this.calls.push(ip);
    return Promise.resolve();
  }
}
