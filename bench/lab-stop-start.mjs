// stop/start with pods: a lab with 20 pods is stopped and started; figures: stop, start (nodes
// Ready), every pod Running and Ready again, and how many pod containers and pod IPs were kept.
// Run: . /work/wt/<name>.env; labenv; node bench/lab-stop-start.mjs   (uses KUBELAB_PROJECT's lab; removes it at the end)
import { execFileSync } from 'node:child_process';
import { labDown, labStart, labStop, labUp } from '../cli/dist/lab.js';

const PODS = Number(process.env.PODS ?? 20);
const quiet = () => {};
const project = process.env.KUBELAB_PROJECT ?? 'kubelab';
const up = await labUp({ project, log: quiet, mergeKubeconfig: false, build: false });
const kubectl = (...args) => execFileSync('kubectl', ['--kubeconfig', up.kubeconfig, ...args]).toString();
const podContainers = () =>
  execFileSync('docker', [
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=io.kubelab.cluster=${project}`,
    '--filter',
    'label=io.kubernetes.pod.uid',
  ])
    .toString()
    .split('\n')
    .filter(Boolean)
    .sort();
const podIPs = () =>
  kubectl(
    'get',
    'pods',
    '-l',
    'app=bench',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}={.status.podIP}{"\\n"}{end}',
  )
    .split('\n')
    .filter(Boolean)
    .sort();
const allReady = () => {
  const pods = JSON.parse(kubectl('get', 'pods', '-l', 'app=bench', '-o', 'json')).items;
  return (
    pods.length === PODS &&
    pods.every((p) => p.status.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready))
  );
};

try {
  kubectl('create', 'deployment', 'bench', '--image=busybox', `--replicas=${PODS}`, '--', 'sleep', '36000');
  kubectl('rollout', 'status', 'deployment/bench', '--timeout=300s');
  const ids = podContainers();
  const ips = podIPs();
  let t0 = performance.now();
  await labStop({ project, log: quiet });
  console.log(`stop                     ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  await labStart({ project, log: quiet });
  console.log(`start (nodes Ready)      ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  while (!allReady()) await new Promise((r) => setTimeout(r, 200));
  console.log(
    `${String(PODS).padStart(2)} pods Running, Ready ${((performance.now() - t0) / 1000).toFixed(1)} s after start began`,
  );
  const after = new Set(podContainers());
  const kept = ids.filter((id) => after.has(id)).length;
  const sameIPs = podIPs().filter((l) => ips.includes(l)).length;
  console.log(`pod containers kept: ${kept}/${ids.length}; pod IPs kept: ${sameIPs}/${ips.length}`);
} finally {
  await labDown({ project, log: quiet, volumes: true });
}
