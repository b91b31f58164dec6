/**
 * Root filesystems made from host files, for the offline images: a static busybox with its applets,
 * and a dynamically linked binary (node, etcd) with the libraries ldd lists, at the same paths.
 */
import { access, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, dirname, join, posix } from 'node:path';
import { run } from '../exec.js';
import { isStandardLibDir, ldd } from './ldd.js';
import type { PlanEntry } from './plan.js';
import { WGET_TIMEOUT_SHIM, wgetHasTimeout } from './wget-shim.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';
const NSSWITCH = 'passwd: files\ngroup: files\nhosts: files dns\n';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH (or among `extra` directories). */
export async function which(name: string, extra: string[] = []): Promise<string | undefined> {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extra]) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

const missingPackage = (what: string, pkg: string): Error =>
  new Error(
    `${what} is needed to build the offline images: run scripts/ensure-docker.sh as root, or install it (Debian/Ubuntu: apt-get install ${pkg}); with a registry reachable, KUBELAB_OFFLINE_IMAGES=0 uses upstream images instead`,
  );

/** A static busybox at /bin/busybox, every applet linked next to it (wget through a shim if it lacks -T), /etc basics, /tmp. */
export async function busyboxRootfs(prefix: string): Promise<PlanEntry[]> {
  const busybox = await which('busybox', ['/usr/bin', '/bin']);
  if (!busybox) throw missingPackage('busybox (static)', 'busybox-static');
  const real = await realpath(busybox);
  if ((await ldd(real)).dynamic)
    throw missingPackage(`a static busybox (${real} is dynamically linked)`, 'busybox-static');
  const list = await run(real, ['--list']);
  const applets = list.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'busybox' && !s.includes('/'));
  if (list.code !== 0 || applets.length === 0) throw new Error(`${real} --list gave no applets`);
  const at = (p: string): string => posix.join(prefix, p);
  const help = await run(real, ['wget', '--help']);
  const shimWget = applets.includes('wget') && !wgetHasTimeout(help.stdout + help.stderr);
  return [
    { kind: 'file', dest: at('bin/busybox'), src: real, mode: 0o755 },
    ...applets.map(
      (a): PlanEntry =>
        a === 'wget' && shimWget
          ? { kind: 'data', dest: at('bin/wget'), data: WGET_TIMEOUT_SHIM, mode: 0o755 }
          : { kind: 'symlink', dest: at(`bin/${a}`), target: 'busybox' },
    ),
    { kind: 'symlink', dest: at('usr/bin/env'), target: '/bin/busybox' },
    { kind: 'data', dest: at('etc/passwd'), data: PASSWD, mode: 0o644 },
    { kind: 'data', dest: at('etc/group'), data: GROUP, mode: 0o644 },
    { kind: 'data', dest: at('etc/nsswitch.conf'), data: NSSWITCH, mode: 0o644 },
    { kind: 'dir', dest: at('tmp'), mode: 0o1777 },
    { kind: 'dir', dest: at('root'), mode: 0o700 },
  ];
}

/** glibc before 2.34 loads these with dlopen (name lookups), so ldd does not list them. */
const NSS_LIBS = ['libnss_files.so.2', 'libnss_dns.so.2', 'libresolv.so.2'];

/** `binary` at `dest`, plus its shared libraries (and the loader) at the paths ldd gives. */
export async function binaryRootfs(prefix: string, binary: string, dest: string): Promise<PlanEntry[]> {
  const real = await realpath(binary);
  const libs = await ldd(real);
  const entries: PlanEntry[] = [{ kind: 'file', dest: posix.join(prefix, dest), src: real, mode: 0o755 }];
  const paths = [...libs.paths];
  const libc = paths.find((p) => /\/libc\.so\.\d+$/.test(p));
  if (libc) {
    for (const name of NSS_LIBS) {
      const p = join(dirname(libc), name);
      if (!paths.includes(p) && (await exists(p))) paths.push(p);
    }
  }
  for (const p of paths) entries.push({ kind: 'file', dest: posix.join(prefix, p), src: await realpath(p) });
  // Libraries outside the loader's trusted directories are only found through its cache.
  if (paths.some((p) => !isStandardLibDir(dirname(p))) && (await exists('/etc/ld.so.cache'))) {
    entries.push({ kind: 'file', dest: posix.join(prefix, 'etc/ld.so.cache'), src: '/etc/ld.so.cache', mode: 0o644 });
  }
  return entries;
}

/** The node binary running this CLI, with its libraries and the host's CA bundle. */
export async function nodeRootfs(prefix: string): Promise<PlanEntry[]> {
  if (process.platform !== 'linux') {
    throw new Error(
      `the offline images copy the host's node binary, which needs a Linux host (this is ${process.platform}): set KUBELAB_OFFLINE_IMAGES=0 to use upstream images`,
    );
  }
  const entries = await binaryRootfs(prefix, process.execPath, 'usr/bin/node');
  const ca = '/etc/ssl/certs/ca-certificates.crt';
  if (await exists(ca))
    entries.push({ kind: 'file', dest: posix.join(prefix, ca), src: await realpath(ca), mode: 0o644 });
  return entries;
}

/** Debian's etcd (package etcd-server) with its libraries, and a data directory only root reads. */
export async function etcdRootfs(prefix: string): Promise<PlanEntry[]> {
  const etcd = await which('etcd', ['/usr/bin', '/usr/local/bin']);
  if (!etcd) throw missingPackage('etcd', 'etcd-server');
  return [
    ...(await binaryRootfs(prefix, etcd, 'usr/local/bin/etcd')),
    { kind: 'dir', dest: posix.join(prefix, 'var/lib/etcd'), mode: 0o700 },
  ];
}

/**
 * The host's nft and conntrack (Debian's nftables and conntrack) with their libraries, for
 * kube-proxy's kernel forwarding; absent on the host, kube-proxy runs in user space instead.
 */
export async function netfilterTools(prefix: string): Promise<PlanEntry[]> {
  const entries: PlanEntry[] = [{ kind: 'dir', dest: posix.join(prefix, 'usr/sbin'), mode: 0o755 }];
  for (const name of ['nft', 'conntrack']) {
    const bin = await which(name, ['/usr/sbin', '/sbin']);
    if (bin) entries.push(...(await binaryRootfs(prefix, bin, `usr/sbin/${name}`)));
  }
  return entries;
}
