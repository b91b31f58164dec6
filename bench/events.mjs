#!/usr/bin/env node
// Benchmark: Event writes with and without the recorder's correlator (client/src/events*.ts), over
// one simulated hour on a fake clock, for the event patterns of the lab's components:
//  - crash-loop: a container that exits at once, restarted with upstream's back-off (10 s doubling
//    to 5 min): Pulled, Created, Started per restart, BackOff per crash; crash-loop-lab: the same
//    with the lab kubelet's default back-off (KUBELAB_CRASHLOOP_BASE/MAX_SECONDS: 2 s to 60 s);
//  - probe-1s / probe-10s: a readiness probe failing every 1 s / 10 s (Unhealthy, same message);
//  - varied: a controller failing with a different message every 5 s (FailedCreate: "... #n").
// "before" is the recorder as it was (one new Event per occurrence, kept for ever: writes =
// objects = occurrences); "after" runs the real ApiEventRecorder into an in-memory Events API
// and counts its creates and updates and the Event objects left (which now also expire an hour
// after their last write). Deterministic; no lab needed.
// Usage: npx tsc -b && node bench/events.mjs [minutes=60]
const { ApiEventRecorder } = await import('../client/dist/events.js');
const { FakeEventSink } = await import('../client/dist/events-fakes.js');

const minutes = Number(process.argv[2] ?? 60);
const HORIZON = minutes * 60_000;
const pod = (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` } });

/** Occurrences [atMs, type, reason, message] of one pattern over the horizon. */
function pattern(name) {
  const out = [];
  if (name.startsWith('crash-loop')) {
    const [base, max] = name === 'crash-loop-lab' ? [2_000, 60_000] : [10_000, 300_000];
    let t = 0;
    let delay = base;
    for (let i = 0; t < HORIZON; i++) {
      out.push(
        [t, 'Normal', 'Pulled', 'Container image "kubelab/busybox" already present on machine'],
        [t, 'Normal', 'Created', 'Created container: app'],
        [t + 100, 'Normal', 'Started', 'Started container app'],
      );
      out.push([t + 500, 'Warning', 'BackOff', 'Back-off restarting failed container app in pod crashy_default']);
      t += 500 + (i === 0 ? 0 : delay);
      if (i > 0) delay = Math.min(max, delay * 2);
    }
  } else if (name.startsWith('probe-')) {
    const every = name === 'probe-1s' ? 1_000 : 10_000;
    for (let t = 0; t < HORIZON; t += every) out.push([t, 'Warning', 'Unhealthy', 'Readiness probe failed: ']);
  } else {
    for (let t = 0, n = 0; t < HORIZON; t += 5_000, n++)
      out.push([t, 'Warning', 'FailedCreate', `Error creating: pods "web-${n}" is forbidden: exceeded quota`]);
  }
  return out.filter(([t]) => t < HORIZON);
}

async function replay(name) {
  const clock = { t: 0, now: () => clock.t };
  const sink = new FakeEventSink();
  const rec = new ApiEventRecorder(sink, { component: 'kubelet', host: 'node-1', clock });
  const occ = pattern(name);
  let firstTen = 0;
  for (const [t, type, reason, message] of occ) {
    clock.t = t;
    rec.event(pod(name), type, reason, message);
    await rec.flush();
    if (t < 600_000) firstTen = sink.calls.length;
  }
  const creates = sink.calls.filter((c) => c.startsWith('create')).length;
  return {
    name,
    occurrences: occ.length,
    writes: sink.calls.length,
    creates,
    updates: sink.calls.length - creates,
    objects: sink.events.size,
    firstTen,
    occFirstTen: occ.filter(([t]) => t < 600_000).length,
  };
}

const perMin = (n, ms) => (n / (ms / 60_000)).toFixed(1);
const tenMin = Math.min(HORIZON, 600_000);
const rows = [
  [
    'pattern',
    'occurrences',
    'before w/min',
    'before objects',
    'after writes',
    'after w/min',
    'after w/min 1st 10 min',
    'after objects',
  ],
];
for (const name of ['crash-loop', 'crash-loop-lab', 'probe-1s', 'probe-10s', 'varied']) {
  const r = await replay(name);
  rows.push(
    [
      name,
      r.occurrences,
      perMin(r.occurrences, HORIZON),
      r.occurrences,
      `${r.writes} (${r.creates}c+${r.updates}u)`,
      perMin(r.writes, HORIZON),
      `${perMin(r.firstTen, tenMin)} (was ${perMin(r.occFirstTen, tenMin)})`,
      r.objects,
    ].map(String),
  );
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
console.log(`one pod per pattern, ${minutes} simulated minutes; before = one new Event per occurrence, kept for ever`);
for (const row of rows)
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
