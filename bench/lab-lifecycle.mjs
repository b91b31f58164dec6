// Lab lifecycle timings: up (images built), stop, start, down, each timed; then the idle lab's
// memory (RSS per component, total without etcd) and CPU from `docker stats`.
// Run: . /work/wt/<name>.env; env $LAB_ENV node bench/lab-lifecycle.mjs   (uses KUBELAB_PROJECT's lab)
import { execFileSync } from 'node:child_process';
import { labDown, labStart, labStop, labUp } from '../cli/dist/lab.js';

const quiet = () => {};
const timed = async (what, f) => {
  const t0 = performance.now();
  await f();
  console.log(`${what.padEnd(6)} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
};
const project = process.env.KUBELAB_PROJECT ?? 'kubelab';
const o = { project, log: quiet, mergeKubeconfig: false, build: false };

await timed('up', () => labUp(o));
await new Promise((r) => setTimeout(r, 20_000)); // settle, then measure the idle lab
const stats = execFileSync('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.CPUPerc}}', ...execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`]).toString().split('\n').filter(Boolean)]).toString();
let total = 0;
let cpu = 0;
for (const line of stats.trim().split('\n')) {
  const [name, mem, , , pct] = line.split(/\s+/);
  const mib = parseFloat(mem) * (/GiB/.test(mem) ? 1024 : /KiB/.test(mem) ? 1 / 1024 : 1);
  if (!/etcd/.test(name)) total += mib;
  cpu += parseFloat(pct);
  console.log(`  ${name.padEnd(36)} ${mib.toFixed(1).padStart(7)} MiB  ${pct}`);
}
console.log(`memory without etcd: ${total.toFixed(0)} MiB; CPU (all): ${cpu.toFixed(1)} %`);
await timed('stop', () => labStop({ project, log: quiet }));
await timed('start', () => labStart({ project, log: quiet }));
await timed('down', () => labDown({ project, log: quiet, volumes: true }));
