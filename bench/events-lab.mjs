#!/usr/bin/env node
// Benchmark: Event writes in a real lab, by its real kubelet: a crash-looping pod and a pod whose
// readiness probe fails every second, for N minutes. The writes are counted from a watch on
// Events (ADDED + MODIFIED per pod, per minute), the Event objects at the end, and the occurrences
// the kubelet recorded — what the recorder before the correlator wrote, one new Event each:
// Pulled, Created, Started per container start and BackOff per crash for the crash loop (from its
// restartCount), Pulled, Created, Started and one Unhealthy per failed probe (the kubelet's log)
// for the other. A lab of its own (e2e slot 4 unless KUBELAB_E2E_SLOT says otherwise).
// Usage: npx tsc -b && node bench/events-lab.mjs [minutes=10]
process.env.KUBELAB_E2E_SLOT ??= '4';
const { spawn, execFileSync } = await import('node:child_process');
const { startLab, until, sleep } = await import('./lib-lab.mjs');
const { E2E_ENV } = await import('../tests/dist/lib/lab.js');

const minutes = Number(process.argv[2] ?? 10);
const PODS = `apiVersion: v1
kind: Pod
metadata: {name: crashy}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: app, image: kubelab/busybox, command: ["sh", "-c", "exit 1"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: unready}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: app, image: kubelab/busybox, command: ["sleep", "86400"], readinessProbe: {exec: {command: ["false"]}, periodSeconds: 1, failureThreshold: 1}}
`;

const lab = await startLab();
try {
  const writes = { crashy: [], unready: [] };
  const t0 = Date.now();
  const watch = spawn(
    'kubectl',
    [
      'get',
      'events',
      '-w',
      '--output-watch-events',
      '-o',
      'go-template={{.type}} {{.object.involvedObject.name}} {{.object.source.component}}{{"\\n"}}',
    ],
    { env: { ...process.env, KUBECONFIG: lab.kubeconfig } },
  );
  let buf = '';
  watch.stdout.on('data', (b) => {
    buf += b.toString();
    const lines = buf.split('\n');
    buf = lines.pop();
    for (const l of lines) {
      const [type, pod, source] = l.split(' ');
      if ((type === 'ADDED' || type === 'MODIFIED') && source === 'kubelet' && writes[pod])
        writes[pod].push(Date.now() - t0);
    }
  });
  await sleep(2_000);
  await lab.kubectl(['apply', '-f', '-'], PODS);
  await until(
    'unready running',
    async () => JSON.parse(await lab.kubectl(['get', 'pod', 'unready', '-o', 'json'])).status?.phase === 'Running',
    120_000,
    500,
  );
  console.log(`watching for ${minutes} min ...`);
  await sleep(minutes * 60_000);
  watch.kill();
  const events = JSON.parse(await lab.kubectl(['get', 'events', '-o', 'json'])).items.filter(
    (e) => e.source?.component === 'kubelet',
  );
  const restarts = JSON.parse(await lab.kubectl(['get', 'pod', 'crashy', '-o', 'json'])).status.containerStatuses[0]
    .restartCount;
  const kubelet = execFileSync('docker', [
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${E2E_ENV.KUBELAB_PROJECT}`,
    '--filter',
    'label=com.docker.compose.service=kubelet',
  ])
    .toString()
    .split('\n')[0];
  const logs = execFileSync('docker', ['logs', kubelet], {
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  const failures = logs
    .split('\n')
    .filter((l) => l.includes('"pod":"default/unready"') && l.includes('"msg":"probe failed"')).length;
  const occurrences = { crashy: 3 * (restarts + 1) + restarts, unready: 3 + failures };
  console.log(
    `${minutes} min, lab kubelet defaults (crash-loop back-off 2 s to 60 s); crashy restarted ${restarts} times, unready failed ${failures} probes`,
  );
  console.log(
    'pod       occurrences (= writes before)  before w/min  writes after  after w/min  after w/min last half  Event objects (before: = occurrences)',
  );
  for (const pod of ['crashy', 'unready']) {
    const w = writes[pod];
    const lastHalf = w.filter((t) => t > (minutes * 60_000) / 2).length;
    const objects = events.filter((e) => e.involvedObject.name === pod).length;
    console.log(
      `${pod.padEnd(8)}  ${String(occurrences[pod]).padStart(28)}  ${(occurrences[pod] / minutes).toFixed(1).padStart(12)}  ${String(w.length).padStart(12)}  ${(w.length / minutes).toFixed(1).padStart(11)}  ${(lastHalf / (minutes / 2)).toFixed(1).padStart(22)}  ${String(objects).padStart(6)}`,
    );
  }
} finally {
  await lab.down();
}
