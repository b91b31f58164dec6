/**
 * scripts/ensure-docker.sh on a simulated machine: stub docker/apt/dpkg commands on PATH, a fake
 * /proc, and files that record what was called. Nothing is installed or started for real.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './settings.js';

const script = join(repoRoot(), 'scripts', 'ensure-docker.sh');
const REAL = ['bash', 'cat', 'sleep', 'timeout', 'tail', 'rm', 'setsid', 'nohup', 'touch', 'cp'];
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Machine {
  uid?: number;
  debian?: boolean;
  /** Commands present from the start: docker, dockerd, docker-compose, busybox, etcd, nft, conntrack. */
  installed?: string[];
  engineUp?: boolean;
  /** apt's package lists are there already (no apt-get update needed). */
  aptLists?: boolean;
}

function which(cmd: string): string {
  const r = spawnSync('bash', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.stdout.trim();
}

function machine(m: Machine) {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-ensure-'));
  dirs.push(dir);
  const bin = join(dir, 'bin');
  const state = join(dir, 'state');
  mkdirSync(bin);
  mkdirSync(state);
  mkdirSync(join(dir, 'proc', '1'), { recursive: true });
  writeFileSync(join(dir, 'proc', '1', 'comm'), 'bash\n');
  for (const cmd of REAL) symlinkSync(which(cmd), join(bin, cmd));
  const pkgs = join(dir, 'pkgs');
  mkdirSync(pkgs);
  const stub = (name: string, body: string, where = bin): void => {
    writeFileSync(join(where, name), `#!${which('bash')}\necho "${name} $*" >> ${state}/calls\n${body}\n`);
    chmodSync(join(where, name), 0o755);
  };
  const stubs: Record<string, string> = {
    docker: `case "$1" in info) [ -f ${state}/engine-up ];; compose) exit 1;; version) echo 20.10-test;; esac`,
    dockerd: `touch ${state}/engine-up`,
    'docker-compose': 'exit 0',
    busybox: 'exit 0',
    etcd: 'exit 0',
    nft: 'exit 0',
    conntrack: 'exit 0',
  };
  // What `apt-get install` puts on PATH, per package.
  const provides: Record<string, string[]> = {
    'docker.io': ['docker', 'dockerd'],
    'docker-compose': ['docker-compose'],
    'busybox-static': ['busybox'],
    'etcd-server': ['etcd'],
    nftables: ['nft'],
    conntrack: ['conntrack'],
  };
  for (const [cmd, body] of Object.entries(stubs)) stub(cmd, body, pkgs);
  for (const cmd of m.installed ?? []) stub(cmd, stubs[cmd]!);
  if (m.engineUp) writeFileSync(join(state, 'engine-up'), '');
  if (m.aptLists) writeFileSync(join(state, 'updated'), '');
  stub('id', `echo ${m.uid ?? 0}`);
  stub('ldd', 'echo "	not a dynamic executable"; exit 1');
  if (m.debian ?? true) {
    stub('dpkg', 'exit 0');
    stub('apt-cache', `[ -f ${state}/updated ]`);
    const cases = Object.entries(provides).map(
      ([pkg, cmds]) => `    ${pkg}) ${cmds.map((c) => `cp ${pkgs}/${c} ${bin}/${c};`).join(' ')} ;;`,
    );
    stub(
      'apt-get',
      [
        `if [ "$1" = update ]; then touch ${state}/updated; exit 0; fi`,
        'shift',
        'for p in "$@"; do',
        '  case "$p" in',
        ...cases,
        '  esac',
        'done',
      ].join('\n'),
    );
  }
  const run = () => {
    const r = spawnSync(which('bash'), [script], {
      encoding: 'utf8',
      env: {
        PATH: bin,
        KUBELAB_PROC: join(dir, 'proc'),
        KUBELAB_DOCKERD_LOG: join(dir, 'dockerd.log'),
        KUBELAB_DOCKER_PIDFILE: join(dir, 'docker.pid'),
      },
      timeout: 30_000,
    });
    const calls = existsSync(join(state, 'calls')) ? readFileSync(join(state, 'calls'), 'utf8').trim().split('\n') : [];
    return { code: r.status, out: r.stdout, err: r.stderr, calls };
  };
  return { run };
}

describe('scripts/ensure-docker.sh', () => {
  it('on a fresh Debian machine as root: updates apt lists, installs all six packages, starts dockerd', () => {
    const r = machine({}).run();
    assert.equal(r.code, 0, r.err + r.out);
    const apt = r.calls.filter((c) => c.startsWith('apt-get'));
    assert.deepEqual(apt, [
      'apt-get update -q',
      'apt-get install -y -q docker.io docker-compose busybox-static etcd-server nftables conntrack',
    ]);
    assert.ok(r.calls.includes('dockerd '), r.calls.join('\n'));
    assert.match(r.out, /starting dockerd in the background/);
    assert.match(r.out, /Docker engine 20\.10-test answers; compose: docker-compose \(v1\)/);
  });

  it('does nothing but check when everything is there', () => {
    const r = machine({
      installed: ['docker', 'dockerd', 'docker-compose', 'busybox', 'etcd', 'nft', 'conntrack'],
      engineUp: true,
    }).run();
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      r.calls.filter((c) => /^(apt-get|dockerd)/.test(c)),
      [],
    );
  });

  it('only starts the engine when the packages are there but dockerd is not running', () => {
    const r = machine({
      installed: ['docker', 'dockerd', 'docker-compose', 'busybox', 'etcd', 'nft', 'conntrack'],
    }).run();
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      r.calls.filter((c) => c.startsWith('apt-get')),
      [],
    );
    assert.ok(r.calls.includes('dockerd '));
  });

  it('installs only what is missing, without apt-get update when the lists know the package', () => {
    const r = machine({
      installed: ['docker', 'dockerd', 'docker-compose', 'busybox', 'nft', 'conntrack'],
      engineUp: true,
      aptLists: true,
    }).run();
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      r.calls.filter((c) => /^(apt-get|dockerd)/.test(c)),
      ['apt-get install -y -q etcd-server'],
    );
  });

  it('as a normal user: says which packages to install with sudo, installs nothing', () => {
    const r = machine({ uid: 1000 }).run();
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /run as root to install them: sudo apt-get install -y docker\.io docker-compose busybox-static etcd-server nftables conntrack/,
    );
    assert.deepEqual(
      r.calls.filter((c) => c.startsWith('apt-get')),
      [],
    );
  });

  it('elsewhere than Debian: says what to install', () => {
    const r = machine({ debian: false }).run();
    assert.equal(r.code, 1);
    assert.match(r.err, /not Debian\/Ubuntu.*Docker Engine with Compose.*busybox.*etcd/);
  });
});
