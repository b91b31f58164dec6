// bench/lab-lifecycle.mjs with FRESH=1: `./kubelab up` in a clone of this checkout's HEAD (no
// node_modules, no dist/, no images of its own tag), then once more there (what it skips), each
// line it prints with the seconds since it began; then `./kubelab delete` and the clone's images
// and folder are removed.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('..', import.meta.url).pathname;

function timedRun(cwd, args, env, show) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(join(cwd, 'kubelab'), args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [child.stdout, child.stderr]) {
      createInterface({ input: s }).on(
        'line',
        (l) => show(l) && console.log(`  ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}  ${l.slice(0, 120)}`),
      );
    }
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve((Date.now() - t0) / 1000)
        : reject(new Error(`kubelab ${args.join(' ')}: exit code ${code}`)),
    );
  });
}

export async function freshUp(labEnv) {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-fresh-'));
  const tag = `${process.env.KUBELAB_IMAGE_TAG || 'dev'}-fresh`;
  const env = { ...process.env, ...labEnv, KUBELAB_IMAGE_TAG: tag, KUBECONFIG: join(dir, 'kubeconfig') };
  try {
    execFileSync('git', ['clone', '-q', root, dir]);
    console.log(
      `fresh-machine up (a clone of HEAD in ${dir}, image tag ${tag}; Docker, the host packages and the shared base images were there already):`,
    );
    const top = (l) => !/^\s{2}/.test(l) || /npm|added|built/.test(l);
    const first = await timedRun(dir, ['up', '--no-kubeconfig-merge'], env, top);
    console.log(`fresh up ${first.toFixed(1)} s; the same up again (what it skips):`);
    const again = await timedRun(dir, ['up', '--no-kubeconfig-merge'], env, top);
    console.log(`up again ${again.toFixed(1)} s`);
  } finally {
    await timedRun(dir, ['delete'], env, () => false).catch((err) => console.log(`delete: ${err.message}`));
    for (const image of ['kubelab', 'kubelab-deps', 'echo'])
      execFileSync('docker', ['image', 'rm', '-f', `kubelab/${image}:${tag}`], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}
