import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  mkdirSync,
  rmSync,
  writeFileSync,
  readFileSync,
  lstatSync,
  readlinkSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeLabDocker } from '../docker-fake.js';
import { appPlan, devOnlyPaths, keepDistFile, modulesPlan } from './app-plan.js';
import type { ImageBuilder } from './builder.js';
import { buildImages } from './build.js';
import type { ImageSpec } from './catalog.js';
import { dockerfileBases } from './dockerfile.js';
import { isStandardLibDir, parseLdd } from './ldd.js';
import { hashPlan, stagePlan, type PlanEntry } from './plan.js';
import { catalog } from './catalog.js';
import { forcedSource, imageEnv, imageTag } from './source.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kubelab-images-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('parseLdd', () => {
  it('lists library paths and the loader, not the vDSO', () => {
    const out = `\tlinux-vdso.so.1 (0x00007ffd)\n\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f19)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f19)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f19)\n`;
    assert.deepEqual(parseLdd(out), {
      dynamic: true,
      paths: ['/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'],
      missing: [],
    });
  });
  it('reports missing libraries and static binaries', () => {
    assert.deepEqual(parseLdd('\tlibfoo.so.1 => not found\n').missing, ['libfoo.so.1']);
    assert.equal(parseLdd('\tnot a dynamic executable\n').dynamic, false);
  });
  it('knows the loader trusted directories', () => {
    assert.equal(isStandardLibDir('/lib/x86_64-linux-gnu'), true);
    assert.equal(isStandardLibDir('/usr/lib64'), true);
    assert.equal(isStandardLibDir('/opt/node/lib'), false);
  });
});

describe('dockerfileBases', () => {
  it('lists FROM and COPY --from images, not scratch or own stages', () => {
    const text =
      'ARG X=1\nFROM scratch\nFROM kubelab/busybox:latest AS bb\nFROM node:20-bookworm-slim\nCOPY --from=bb /bin/busybox /bin/\nCOPY --from=quay.io/coreos/etcd:v3.5.17 /x /y\nCOPY --from=0 /a /b\n';
    assert.deepEqual(dockerfileBases(text), [
      'kubelab/busybox:latest',
      'node:20-bookworm-slim',
      'quay.io/coreos/etcd:v3.5.17',
    ]);
  });
});

describe('app plan', () => {
  it('leaves dev-only packages out (lock file), or the root devDependencies without one', () => {
    const lock = {
      packages: {
        '': {},
        'node_modules/typescript': { dev: true },
        'node_modules/yaml': {},
        'node_modules/@kubelab/api': { link: true },
      },
    };
    assert.deepEqual([...devOnlyPaths(lock, {})], ['node_modules/typescript']);
    assert.deepEqual(
      [...devOnlyPaths(undefined, { devDependencies: { '@types/node': '1' } })],
      ['node_modules/@types/node'],
    );
  });
  it('keeps compiled code, not tests or build info', () => {
    assert.equal(keepDistFile('main.js'), true);
    assert.equal(keepDistFile('main.d.ts'), true);
    assert.equal(keepDistFile('x.test.js'), false);
    assert.equal(keepDistFile('a/x.e2e.js.map'), false);
    assert.equal(keepDistFile('.tsbuildinfo'), false);
  });
  it('assembles workspaces, protos and production modules with the workspace symlinks', async () => {
    const root = tmp();
    const w = (p: string, text = '{}'): void => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), text);
    };
    w('package.json', JSON.stringify({ workspaces: ['proto', 'kubelet'] }));
    w('package-lock.json', JSON.stringify({ packages: { 'node_modules/typescript': { dev: true } } }));
    w('proto/package.json');
    w('proto/dist/index.js', 'x');
    w('proto/dist/index.test.js', 'x');
    w('proto/proto/kubelab.proto', 'syntax');
    w('kubelet/package.json');
    w('node_modules/yaml/index.js', 'y');
    w('node_modules/typescript/lib/tsc.js', 't');
    w('node_modules/.bin/tsc', 't');
    mkdirSync(join(root, 'node_modules/@kubelab'), { recursive: true });
    const { symlinkSync } = await import('node:fs');
    symlinkSync('../../proto', join(root, 'node_modules/@kubelab/proto'));
    const plan = await appPlan(root, 'app');
    const modules = await modulesPlan(root, 'app');
    const dests = [...plan.entries, ...modules].map((e) => e.dest).sort();
    assert.deepEqual(dests, [
      'app/kubelet/package.json',
      'app/node_modules/@kubelab/proto',
      'app/node_modules/yaml/index.js',
      'app/package.json',
      'app/proto/dist/index.js',
      'app/proto/package.json',
      'app/proto/proto/kubelab.proto',
    ]);
    assert.deepEqual(plan.unbuilt, ['kubelet']);
    assert.deepEqual(
      modules.find((e) => e.dest === 'app/node_modules/@kubelab/proto'),
      { kind: 'symlink', dest: 'app/node_modules/@kubelab/proto', target: '../../proto' },
    );
  });
});

describe('plans: hash and stage', () => {
  it('the hash follows contents, modes and paths', async () => {
    const d = tmp();
    writeFileSync(join(d, 'f'), 'one');
    const plan: PlanEntry[] = [
      { kind: 'file', dest: 'a/f', src: join(d, 'f'), mode: 0o644 },
      { kind: 'symlink', dest: 'a/l', target: 'f' },
    ];
    const h1 = await hashPlan(plan);
    assert.equal(await hashPlan([...plan].reverse()), h1, 'order does not matter');
    assert.notEqual(await hashPlan(plan, ['base x sha256:1']), h1);
    assert.notEqual(await hashPlan([{ ...plan[0]!, mode: 0o755 } as PlanEntry, plan[1]!]), h1);
    assert.notEqual(await hashPlan([{ ...plan[0]!, dest: 'b/f' } as PlanEntry, plan[1]!]), h1);
    writeFileSync(join(d, 'f'), 'two');
    assert.notEqual(await hashPlan(plan), h1);
  });
  it('stages files with their modes, data, symlinks and a sticky /tmp', async () => {
    const d = tmp();
    writeFileSync(join(d, 'src'), 'bin');
    const out = join(d, 'ctx');
    mkdirSync(out);
    writeFileSync(join(out, 'stale'), 'from a previous build');
    await stagePlan(out, [
      { kind: 'file', dest: 'rootfs/usr/bin/node', src: join(d, 'src'), mode: 0o755 },
      { kind: 'data', dest: 'rootfs/etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n', mode: 0o644 },
      { kind: 'symlink', dest: 'rootfs/bin/sh', target: 'busybox' },
      { kind: 'dir', dest: 'rootfs/tmp', mode: 0o1777 },
    ]);
    assert.equal(statSync(join(out, 'rootfs/usr/bin/node')).mode & 0o7777, 0o755);
    assert.equal(readFileSync(join(out, 'rootfs/etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
    assert.equal(lstatSync(join(out, 'rootfs/bin/sh')).isSymbolicLink(), true);
    assert.equal(readlinkSync(join(out, 'rootfs/bin/sh')), 'busybox');
    assert.equal(statSync(join(out, 'rootfs/tmp')).mode & 0o7777, 0o1777);
    assert.throws(() => statSync(join(out, 'stale')));
  });
  it('restages only the top-level folders whose content changed', async () => {
    const d = tmp();
    writeFileSync(join(d, 'a'), 'a1');
    writeFileSync(join(d, 'b'), 'b1');
    const out = join(d, 'ctx');
    const plan: PlanEntry[] = [
      { kind: 'file', dest: 'modules/a', src: join(d, 'a'), mode: 0o644 },
      { kind: 'file', dest: 'app/b', src: join(d, 'b'), mode: 0o644 },
    ];
    await stagePlan(out, plan);
    writeFileSync(join(out, 'modules', 'kept'), '');
    writeFileSync(join(out, 'app', 'dropped'), '');
    writeFileSync(join(d, 'b'), 'b2');
    await stagePlan(out, plan);
    assert.equal(readFileSync(join(out, 'app', 'b'), 'utf8'), 'b2');
    assert.throws(() => statSync(join(out, 'app', 'dropped')), 'a changed folder is written from scratch');
    statSync(join(out, 'modules', 'kept')); // an unchanged one is left alone
    await stagePlan(out, plan.slice(1));
    assert.throws(() => statSync(join(out, 'modules')), 'a folder gone from the plan is removed');
  });
});

describe('buildImages', () => {
  function setup() {
    const root = tmp();
    mkdirSync(join(root, 'images', 'x'), { recursive: true });
    writeFileSync(join(root, 'images', 'x', 'Dockerfile'), 'FROM kubelab/base:dev\nCOPY f /f\n');
    writeFileSync(join(root, 'f'), 'content');
    const docker = new FakeLabDocker();
    docker.images.set('kubelab/base:dev', { id: 'sha256:base1', labels: {} });
    let n = 0;
    const builds: string[] = [];
    const builder: ImageBuilder = {
      async build(ctx, _dockerfile, tag, labels) {
        builds.push(tag);
        assert.equal(readFileSync(join(ctx, 'f'), 'utf8'), readFileSync(join(root, 'f'), 'utf8'));
        docker.images.set(tag, { id: `sha256:built${++n}`, labels });
      },
      async pull() {
        return false;
      },
    };
    const spec: ImageSpec = {
      name: 'kubelab/x:dev',
      aliases: ['kubelab/x:1'],
      freeAliases: ['x:latest'],
      dir: 'x',
      dockerfile: 'Dockerfile',
      context: async () => ({
        entries: [{ kind: 'file', dest: 'f', src: join(root, 'f'), mode: 0o644 }],
        warnings: [],
      }),
    };
    const lines: string[] = [];
    const opts = {
      root,
      source: 'offline' as const,
      docker,
      builder,
      log: (l: string) => lines.push(l),
      specs: [spec],
    };
    return { root, docker, builds, lines, opts };
  }

  it('builds once, then reports up to date until an input (a file or a base image) changes', async () => {
    const t = setup();
    await buildImages(t.opts);
    assert.deepEqual(t.builds, ['kubelab/x:dev']);
    assert.equal(t.docker.images.get('kubelab/x:dev')?.labels['io.kubelab.image'], '1');
    assert.equal(t.docker.images.get('kubelab/x:1')?.id, 'sha256:built1');
    await buildImages(t.opts);
    assert.deepEqual(t.builds, ['kubelab/x:dev']);
    assert.ok(t.lines.includes('image kubelab/x:dev is up to date'));
    writeFileSync(join(t.root, 'f'), 'changed');
    await buildImages(t.opts);
    t.docker.images.set('kubelab/base:dev', { id: 'sha256:base2', labels: {} });
    await buildImages(t.opts);
    assert.equal(t.builds.length, 3);
    assert.ok(t.docker.calls.includes('prune images io.kubelab.image=1'));
  });

  it('sets a free alias only when no foreign image holds it', async () => {
    const t = setup();
    t.docker.images.set('x:latest', { id: 'sha256:foreign', labels: {} });
    await buildImages(t.opts);
    assert.equal(t.docker.images.get('x:latest')?.id, 'sha256:foreign');
    const u = setup();
    await buildImages(u.opts);
    assert.equal(u.docker.images.get('x:latest')?.id, 'sha256:built1');
  });

  it('names a missing base image', async () => {
    const t = setup();
    t.docker.images.delete('kubelab/base:dev');
    await assert.rejects(buildImages(t.opts), /base image kubelab\/base:dev is missing/);
  });
});

describe('image source', () => {
  it('KUBELAB_OFFLINE_IMAGES forces a source', () => {
    assert.equal(forcedSource({ KUBELAB_OFFLINE_IMAGES: '1' }), 'offline');
    assert.equal(forcedSource({ KUBELAB_OFFLINE_IMAGES: '0' }), 'upstream');
    assert.equal(forcedSource({}), undefined);
  });
  it('gives compose the image names unless the environment sets them', () => {
    assert.deepEqual(imageEnv('offline', {}), {
      KUBELAB_IMAGE: 'kubelab/kubelab:dev',
      KUBELAB_ETCD_IMAGE: 'kubelab/etcd:3.4',
    });
    assert.deepEqual(imageEnv('upstream', { KUBELAB_IMAGE: 'me/kl:1' }), {
      KUBELAB_IMAGE: 'me/kl:1',
      KUBELAB_ETCD_IMAGE: 'kubelab/etcd:3.5',
    });
  });
  it('KUBELAB_IMAGE_TAG names the images built from this checkout, and the base they build on', () => {
    assert.equal(imageEnv('offline', { KUBELAB_IMAGE_TAG: 'wt1' }).KUBELAB_IMAGE, 'kubelab/kubelab:wt1');
    assert.throws(() => imageTag({ KUBELAB_IMAGE_TAG: 'a b' }), /KUBELAB_IMAGE_TAG: Invalid value: "a b"/);
    const specs = catalog('/r', 'offline', 'wt1');
    const app = specs.find((s) => s.dir === 'kubelab');
    assert.equal(app?.name, 'kubelab/kubelab:wt1');
    assert.deepEqual(app?.bases, { 'kubelab/kubelab-deps:dev': 'kubelab/kubelab-deps:wt1' });
    assert.ok(specs.some((s) => s.name === 'kubelab/kubelab-deps:wt1'));
  });
});
