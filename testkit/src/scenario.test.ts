import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, parseScenarioDuration, ScenarioError } from './scenario.js';
import { parseFault } from './scenario-fault.js';
import { describePlan, pickOne, planScenario, seededRandom } from './scenario-plan.js';
import { buildReport, formatScenarioReport } from './scenario-report.js';
import type { ProbeResult } from './experiment.js';

const GOOD = `name: kill-the-control-plane
seed: 42
duration: 60s
probes:
  - http: {url: "http://127.0.0.1:30080/"}
    name: web
    interval: 200ms
  - deployment: {name: web}
    must: hold
steps:
  - {at: 0s, fault: kill scheduler}
  - at: 5s
    fault: pause kube-proxy
    for: 10s
  - {at: 20s..30s, fault: kill random node}
  - {at: 1m, fault: partition kubelab-kubelet-1 --from apiserver-lb}
`;

const problems = (text: string): string[] => {
  try {
    parseScenario(text, 's.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems;
    throw err;
  }
  assert.fail('no problem found');
};

test('a scenario file parses into probes and steps', () => {
  const s = parseScenario(GOOD, 's.yaml');
  assert.equal(s.name, 'kill-the-control-plane');
  assert.equal(s.seed, 42);
  assert.equal(s.durationMs, 60_000);
  assert.equal(s.recoverMs, 60_000);
  assert.deepEqual(s.probes[0], {
    name: 'web',
    must: 'recover',
    intervalMs: 200,
    http: { url: 'http://127.0.0.1:30080/', status: 200, timeoutMs: 2000 },
  });
  assert.deepEqual(s.probes[1], {
    name: 'deployment default/web',
    must: 'hold',
    intervalMs: 500,
    deployment: { name: 'web', namespace: 'default' },
  });
  assert.deepEqual(
    s.steps.map((st) => [st.at, st.forMs, st.fault.verb, st.fault.target]),
    [
      [{ fromMs: 0, toMs: 0 }, undefined, 'kill', { kind: 'named', name: 'scheduler' }],
      [{ fromMs: 5000, toMs: 5000 }, 10_000, 'pause', { kind: 'named', name: 'kube-proxy' }],
      [{ fromMs: 20_000, toMs: 30_000 }, undefined, 'kill', { kind: 'random', among: 'node' }],
      [{ fromMs: 60_000, toMs: 60_000 }, undefined, 'partition', { kind: 'named', name: 'kubelab-kubelet-1' }],
    ],
  );
  assert.deepEqual(s.steps[3]!.fault.make('n1'), { kind: 'partition', target: 'n1', from: 'apiserver-lb' });
});

test('durations', () => {
  assert.equal(parseScenarioDuration('500ms'), 500);
  assert.equal(parseScenarioDuration('1m30s'), 90_000);
  assert.equal(parseScenarioDuration('1.5s'), 1500);
  assert.equal(parseScenarioDuration('0'), 0);
  assert.equal(parseScenarioDuration('10'), undefined);
  assert.equal(parseScenarioDuration('soon'), undefined);
});

test('the fault grammar: the words after kubelab chaos, and random targets', () => {
  assert.deepEqual(parseFault('latency kube-proxy 200ms --jitter 20ms --loss 5%').make('kube-proxy'), {
    kind: 'latency',
    target: 'kube-proxy',
    delayMs: 200,
    jitterMs: 20,
    lossPercent: 5,
  });
  assert.deepEqual(parseFault('latency random node 200ms --to apiserver').make('n1'), {
    kind: 'latency',
    target: 'n1',
    delayMs: 200,
    jitterMs: 0,
    lossPercent: 0,
    to: 'apiserver',
  });
  assert.deepEqual(parseFault('loss random node 10%').make('n2'), { kind: 'loss', target: 'n2', percent: 10 });
  assert.deepEqual(parseFault('kill random pod app=web -n shop').target, {
    kind: 'random',
    among: 'pod',
    selector: 'app=web',
    namespace: 'shop',
  });
  assert.deepEqual(parseFault('kill pod/default/web-1').target, { kind: 'named', name: 'pod/default/web-1' });
  assert.throws(() => parseFault('explode x'), /Invalid value: "explode x": unknown fault, want one of kill\|restart/);
  assert.throws(() => parseFault('kill'), /no target: want "kill TARGET"/);
  assert.throws(() => parseFault('kill a b'), /unexpected "b"/);
  assert.throws(() => parseFault('pause x --from y'), /pause has no option --from/);
  assert.throws(() => parseFault('kill random cat'), /want "random node", "random component" or "random pod SELECTOR"/);
  assert.throws(() => parseFault('kill random pod'), /random pod needs a label selector/);
  assert.throws(() => parseFault('kill web -n x'), /-n goes with "random pod SELECTOR" only/);
  assert.throws(() => parseFault('latency x soon'), /DELAY: Invalid value: "soon"/);
  assert.throws(() => parseFault('loss x 150%'), /must be a percentage from 0% to 100%/);
});

test('every problem of a bad file, each with its line and field path', () => {
  const p = problems(`name: Bad_Name
seed: 1.5
extra: 1
probes:
  - http: {url: "ftp://x"}
  - {deployment: {name: web}, http: {url: "http://a/"}}
  - {name: dup, deployment: {name: a}}
  - {name: dup, deployment: {name: b}, must: maybe}
steps:
  - {at: 0s, fault: kill scheduler, for: 3s}
  - {at: 5s, fault: explode x}
  - {at: 9s..2s, fault: stop etcd, for: never}
  - {fault: pause scheduler}
  - just words
`);
  assert.deepEqual(p, [
    's.yaml:3: extra: unknown field, want one of name|seed|duration|recover|probes|steps',
    's.yaml:1: name: Invalid value: "Bad_Name": must be a lowercase name of letters, digits, "-" and "." (e.g. kill-the-scheduler)',
    's.yaml:2: seed: Invalid value: 1.5: must be an integer from 0 to 4294967295',
    's.yaml:5: probes[0].http.url: Invalid value: "ftp://x": must be an http:// URL, e.g. http://127.0.0.1:30080/',
    's.yaml:6: probes[1]: Invalid value: both http and deployment: one kind a probe',
    's.yaml:8: probes[3].must: Invalid value: "maybe": want recover (may break, must answer at the end) or hold (must never fail)',
    's.yaml:10: steps[0].for: Invalid value: "3s": kill heals by itself (the restart policy brings the container back): for goes with stop, pause, partition, latency and loss',
    's.yaml:11: steps[1].fault: Invalid value: "explode x": unknown fault, want one of kill|restart|stop|pause|partition|latency|loss',
    's.yaml:12: steps[2].at: Invalid value: "9s..2s": the range ends before it starts',
    's.yaml:12: steps[2].for: Invalid value: "never": must be a duration such as 500ms, 10s or 1m30s',
    's.yaml:13: steps[3].at: Required value',
    's.yaml:14: steps[4]: want a mapping with at, fault, for',
    's.yaml:8: probes[3].name: Invalid value: "dup": probes[2] has this name too',
  ]);
  assert.deepEqual(problems('name: x\n'), ['s.yaml:1: steps: Required value: at least one']);
  assert.deepEqual(problems('name: x\nduration: 10s\nsteps: [{at: 8s, fault: pause etcd, for: 5s}]\n'), [
    's.yaml:3: steps[0]: ends at 13s, after duration 10s: make it earlier or shorter, or the duration longer',
  ]);
  assert.match(problems('name: [x\n')[0]!, /^s\.yaml:\d+: /);
  assert.deepEqual(problems('- a\n'), [
    's.yaml: want a mapping with name, probes and steps (see kubelab chaos run --help)',
  ]);
});

test('the seeded schedule: the same seed gives the same plan, another seed another', () => {
  const s = parseScenario(GOOD, 's.yaml');
  const a = planScenario(s, 42);
  assert.deepEqual(planScenario(s, 42), a);
  assert.deepEqual(
    a.events.map((e) => [e.atMs, e.action, e.step]),
    [
      [0, 'inject', 0],
      [5000, 'inject', 1],
      [15_000, 'heal', 1],
      [a.steps[2]!.atMs, 'inject', 2],
      [60_000, 'inject', 3],
    ],
  );
  assert.ok(a.steps[2]!.atMs >= 20_000 && a.steps[2]!.atMs <= 30_000);
  assert.ok(a.steps[2]!.pick !== undefined && a.steps[0]!.pick === undefined, 'a draw for random targets only');
  const times = new Set(Array.from({ length: 20 }, (_, seed) => planScenario(s, seed).steps[2]!.atMs));
  assert.ok(times.size > 10, `20 seeds, ${times.size} different times`);
  assert.match(describePlan(s, a).join('\n'), /15\.0s {2}step 1: heal\n.*step 2: kill random node \(random node: draw/);
});

test('seededRandom is the same sequence per seed, spread over [0, 1); pickOne sorts first', () => {
  const r = seededRandom(7);
  const xs = Array.from({ length: 1000 }, r);
  assert.deepEqual(Array.from({ length: 1000 }, seededRandom(7)), xs);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.ok(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5) < 0.05);
  assert.equal(pickOne(['c', 'a', 'b'], 0), 'a');
  assert.equal(pickOne(['c', 'a', 'b'], 0.5), 'b');
  assert.equal(pickOne(['c', 'a', 'b'], 0.999), 'c');
  assert.equal(pickOne([], 0.5), undefined);
});

const result = (name: string, mode: ProbeResult['mode'], outages: ProbeResult['outages'], held = true) => ({
  name,
  mode,
  checks: 10,
  failures: outages.length,
  outages,
  held,
});

test('the report lays each outage to its step and times the recovery from the heal', () => {
  const s = parseScenario(GOOD.replace('duration: 60s\n', ''), 's.yaml');
  const r = buildReport({
    scenario: s,
    seed: 42,
    steps: [
      { index: 0, target: 'scheduler', injectedAtMs: 0, doneAtMs: 100 },
      { index: 1, target: 'kube-proxy', injectedAtMs: 5000, doneAtMs: 5050, healedAtMs: 15_000 },
      { index: 2, target: 'kubelab-kubelet-2', plannedAtMs: 21_000, injectedAtMs: 22_000, doneAtMs: 22_300 },
      { index: 3, target: 'kubelab-kubelet-1', injectedAtMs: 60_000, doneAtMs: 60_100, healedAtMs: 61_000 },
    ],
    experiment: {
      durationMs: 70_000,
      probes: [
        result('web', 'start', []),
        result('web', 'continuous', [
          { from: 5500, to: 16_200, error: 'GET /: no answer' },
          { from: 22_500, to: 24_000, error: 'GET /: HTTP 503' },
          { from: 60_200, to: 60_800, error: 'GET /: no answer' },
        ]),
        result('web', 'end', []),
        result('deployment default/web', 'start', []),
        result('deployment default/web', 'continuous', [{ from: 23_000, to: 40_000, error: '2/3 available' }]),
        result('deployment default/web', 'end', []),
      ],
    },
    leftover: [],
    interrupted: false,
  });
  const web = r.probes[0]!;
  assert.deepEqual(
    web.outages.map((o) => [o.step, o.recoveryMs]),
    [
      [1, 1200], // from the unpause at 15.0s to 16.2s
      [2, 2000], // a kill heals by itself: from its injection (22.0s)
      [3, 0], // answered again before the heal
    ],
  );
  assert.equal(web.ok, true, 'must recover: it broke and recovered');
  assert.equal(r.probes[1]!.ok, false, 'must hold: any outage fails it');
  assert.equal(r.ok, false);
  assert.equal(r.exitCode, 1);
  assert.equal(r.steps[1]!.lastedMs, 10_000);
  assert.equal(r.steps[0]!.lastedMs, undefined);
  const text = formatScenarioReport(r, s);
  assert.match(text, /^scenario "kill-the-control-plane" \(seed 42\): BROKE in 70\.0s/);
  assert.match(text, /step 1 pause kube-proxy: injected at 5\.0s, healed at 15\.0s \(on for 10\.0s\)/);
  assert.match(
    text,
    /step 2 kill random node \(random node: kubelab-kubelet-2\): injected at 22\.0s \(planned 21\.0s\), heals by itself/,
  );
  assert.match(
    text,
    /probe web \[must recover\]: held, 3\/30 checks failed:\n {4}broke 5\.5s–16\.2s after step 1 \(GET \/: no answer\), answering again 1\.2s after its heal/,
  );
  assert.match(text, /broke 22\.5s–24\.0s after step 2 \(GET \/: HTTP 503\), answering again 2\.0s after the kill\n/);
  assert.match(text, /every fault healed$/);

  const held = buildReport({
    scenario: { ...s, probes: s.probes.slice(0, 1) },
    seed: 1,
    steps: [],
    experiment: {
      durationMs: 1000,
      probes: [result('web', 'start', []), result('web', 'continuous', []), result('web', 'end', [])],
    },
    leftover: [],
    interrupted: false,
  });
  assert.equal(held.ok, true);
  assert.equal(held.exitCode, 0);
  assert.match(formatScenarioReport(held, s), /probe web \[must recover\]: held, 0\/30 checks failed, never broke/);
});

test('a failed end check, a fault left, an interruption: never exit 0', () => {
  const s = parseScenario('name: x\nprobes: [{http: {url: "http://a/"}}]\nsteps: [{at: 0s, fault: pause etcd}]\n');
  const probes = [
    result('http://a/', 'start', []),
    result('http://a/', 'continuous', [{ from: 100, error: 'no answer' }], false),
    result('http://a/', 'end', [{ from: 900, error: 'no answer' }], false),
  ];
  const base = {
    scenario: s,
    seed: 1,
    steps: [{ index: 0, target: 'etcd', injectedAtMs: 0 }],
    experiment: { durationMs: 1000, probes },
    leftover: [],
    interrupted: false,
  };
  const r = buildReport(base);
  assert.deepEqual([r.ok, r.exitCode, r.probes[0]!.end], [false, 1, { ok: false, error: 'no answer' }]);
  assert.equal(r.probes[0]!.outages[0]!.toMs, undefined);
  assert.match(formatScenarioReport(r, s), /not answering again by the end\n {4}failed at the end \(no answer\)/);
  const passing = {
    ...base,
    experiment: { durationMs: 1000, probes: probes.map((p) => ({ ...p, held: true, outages: [] })) },
  };
  const left = buildReport({ ...passing, leftover: ['f1 pause etcd'] });
  assert.deepEqual([left.ok, left.healed, left.exitCode], [false, false, 1]);
  assert.match(formatScenarioReport(left, s), /NOT HEALED: still recorded after heal --all: f1 pause etcd/);
  assert.equal(buildReport({ ...passing, interrupted: true }).exitCode, 130);
  assert.equal(buildReport({ ...passing, steps: [{ index: 0, error: 'no such target' }] }).exitCode, 1);
});
