/**
 * Shared set-up of integration tests against the real Docker engine: everything carries
 * io.kubelab.cluster=<cluster> and is removed by that label; a bridge network on a free /24 of
 * 10.251.0.0/16 (else of 10.252-10.254) and a busybox image built from scratch (no registry needed).
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Dockerode from 'dockerode';
import { drainProgress } from '../runtime/jsonlines.js';
import { LABELS } from '../runtime/runtime.js';

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function overlaps(a: string, b: string): boolean {
  const [ipA, lenA] = a.split('/') as [string, string];
  const [ipB, lenB] = b.split('/') as [string, string];
  const len = Math.min(Number(lenA), Number(lenB));
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return (ipToInt(ipA) & mask) >>> 0 === (ipToInt(ipB) & mask) >>> 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One run's Docker world: cluster id `<prefix>-<pid>`, so two runs of the same test (say, two
 * `npm test`s) never touch each other's things; leftovers of dead runs are removed at set-up.
 */
export class DockerTestEnv {
  readonly docker = new Dockerode();
  readonly cluster: string;
  readonly network: string;
  readonly image: string;
  subnet = '';

  constructor(readonly prefix: string) {
    this.cluster = `${prefix}-${process.pid}`;
    this.network = this.cluster;
    this.image = `${prefix}/busybox:${process.pid}`;
  }

  /** Removes everything labelled with a cluster id of this prefix whose run is gone (or this run). */
  async cleanup(): Promise<void> {
    const d = this.docker;
    const mine = (labels: Record<string, string> | undefined): boolean => {
      const v = labels?.[LABELS.cluster] ?? '';
      if (!v.startsWith(`${this.prefix}-`)) return false;
      const pid = Number(v.slice(this.prefix.length + 1));
      return !Number.isInteger(pid) || pid === process.pid || !alive(pid);
    };
    const f = { filters: { label: [LABELS.cluster] } };
    for (const c of await d.listContainers({ all: true, ...f }))
      if (mine(c.Labels))
        await d
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined);
    for (const v of (await d.listVolumes(f)).Volumes ?? [])
      if (mine(v.Labels ?? undefined))
        await d
          .getVolume(v.Name)
          .remove()
          .catch(() => undefined);
    for (const n of await d.listNetworks(f))
      if (mine(n.Labels))
        await d
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
    for (const i of await d.listImages(f))
      if (mine(i.Labels ?? undefined))
        await d
          .getImage(i.Id)
          .remove({ force: true })
          .catch(() => undefined);
  }

  private get label(): string {
    return `${LABELS.cluster}=${this.cluster}`;
  }

  private async pickSubnet(refused: readonly string[] = []): Promise<string> {
    const used: string[] = [...refused];
    for (const n of await this.docker.listNetworks())
      for (const c of n.IPAM?.Config ?? []) if (c.Subnet && c.Subnet.includes('.')) used.push(c.Subnet);
    for (const list of Object.values(os.networkInterfaces()))
      for (const i of list ?? []) if (i.family === 'IPv4' && i.cidr) used.push(i.cidr);
    // 10.251/16 first; the next ones when something else (another test's network) holds all of it.
    for (const second of [251, 252, 253, 254]) {
      for (let third = 255; third >= 0; third--) {
        const cand = `10.${second}.${third}.0/24`;
        if (!used.some((u) => overlaps(u, cand))) return cand;
      }
    }
    throw new Error('no free /24 in 10.251.0.0/16 - 10.254.0.0/16');
  }

  async setUp(): Promise<void> {
    await this.cleanup();
    // Another test run may take the same free /24 between the pick and the create (the engine's
    // list may not show it yet): pick again without it.
    const refused: string[] = [];
    for (let attempt = 1; ; attempt++) {
      this.subnet = await this.pickSubnet(refused);
      try {
        await this.docker.createNetwork({
          Name: this.network,
          Driver: 'bridge',
          Labels: { [LABELS.cluster]: this.cluster },
          IPAM: { Driver: 'default', Config: [{ Subnet: this.subnet }] },
        });
        break;
      } catch (err) {
        if (attempt >= 5 || !/overlaps/i.test(String(err))) throw err;
        refused.push(this.subnet);
      }
    }
    const dir = mkdtempSync(join(os.tmpdir(), 'kubelet-itest-'));
    try {
      copyFileSync('/usr/bin/busybox', join(dir, 'busybox'));
      writeFileSync(
        join(dir, 'Dockerfile'),
        [
          'FROM scratch',
          'COPY busybox /bin/busybox',
          'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
          `LABEL ${this.label}`,
          '',
        ].join('\n'),
      );
      const stream = await this.docker.buildImage({ context: dir, src: ['Dockerfile', 'busybox'] }, {
        t: this.image,
        forcerm: true,
        labels: { [LABELS.cluster]: this.cluster },
      } as never);
      await drainProgress(stream as unknown as AsyncIterable<unknown>);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Runs a command in a container; stdout and the exit code. */
  async exec(id: string, cmd: string[]): Promise<{ out: string; code: number }> {
    const e = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await e.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    this.docker.modem.demuxStream(stream, out, new PassThrough());
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`exec ${cmd.join(' ')} timed out`)), 15_000);
      stream.on('end', () => {
        clearTimeout(t);
        resolve();
      });
    });
    const info = await e.inspect();
    return { out: Buffer.concat(chunks).toString('utf8'), code: info.ExitCode ?? -1 };
  }
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
