/** `kubelab chaos run FILE`: a timed, seeded sequence of faults with probes, and its report. */
import type { Command } from 'commander';

export const SCENARIO_HELP = `
A scenario file (YAML):
  name: kill-the-control-plane     # lowercase letters, digits, - and .
  seed: 42                         # optional; printed either way: the same seed gives the same schedule
  duration: 60s                    # optional: the run lasts this long; every step must end within it
  recover: 60s                     # optional (default 60s): how long the probes get to pass after the last heal
  probes:                          # each checked at the start, every interval, and at the end
    - http: {url: "http://127.0.0.1:30080/", status: 200, timeout: 2s}
      name: web                    # optional (default: the URL)
      interval: 500ms              # optional (default 500ms)
      must: recover                # recover (default): may break, must pass at the start and the end;
                                   # hold: must never fail
    - deployment: {name: web, namespace: default}   # every replica updated and available
  steps:
    - {at: 0s, fault: kill scheduler}
    - {at: 5s, fault: pause kube-proxy, for: 10s}   # healed 10s after its injection (no for: at the end)
    - {at: 20s..30s, fault: kill random node}        # a range: the seed picks the time

fault is the words after \`kubelab chaos\`: kill|restart TARGET (they heal by themselves: no for),
stop|pause TARGET, partition TARGET [--from PEER], latency TARGET DELAY [--jitter D] [--loss P%] [--to PEER],
loss TARGET P%. TARGET is as for the other verbs, or picked from the seed when the step runs:
random node, random component (a compose service other than the kubelets), random pod SELECTOR
[-n NAMESPACE] (a Running pod of that label selector).

While it runs: a line per injection, heal and probe change, with the seconds since the start.
At the end every fault of the lab is healed (heal --all), also on Ctrl-C or a failed step, and
the report says per step when it was injected and healed, per probe what held and what broke,
when, and the recovery: each outage is laid to the last step injected before it began, and
timed from that step's heal (a kill's or restart's injection) to the probe answering again.
Steps run on their own timers: a slow injection delays no other.

Exit code: 0 every probe held; 1 a probe failed (at the start or end, or a "must: hold" one at
all), a step failed, or a fault was left unhealed; 2 a bad file (each problem with its line and
field path); 130 interrupted.

  kubelab chaos run scenario.yaml --dry-run     # validate, and print the schedule
  kubelab chaos run scenario.yaml --seed 7      # another schedule
  kubelab chaos run scenario.yaml --json | jq '.probes[] | {name, ok, outages}'
`;

/** What the testkit's scenario-cli module offers (see the note in addChaosRunCommand). */
interface ScenarioCli {
  runScenarioFile(
    file: string,
    o: { project?: string; json?: boolean; seed?: number; dryRun?: boolean },
  ): Promise<number>;
}

function seedOption(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 2 ** 32 - 1)
    throw new Error(`--seed: Invalid value: "${raw}": must be an integer from 0 to 4294967295`);
  return n;
}

export function addChaosRunCommand(chaos: Command, project: () => { project?: string }): void {
  chaos
    .command('run <file>')
    .description('run a scenario file: faults at their times, probes throughout, everything healed, a report')
    .option('--json', 'print the report as JSON (progress goes to stderr)')
    .option('--seed <n>', "use this seed instead of the file's", seedOption)
    .option('--dry-run', 'validate the file and print the schedule; touch no lab')
    .addHelpText('after', SCENARIO_HELP)
    .action(async (file: string, o: { json?: boolean; seed?: number; dryRun?: boolean }) => {
      // The runner is the testkit's (its faults, probes and experiments). The testkit is built on
      // this package's chaos library, so it is loaded when the verb runs: a project reference
      // back to it would make a cycle.
      const runner = '@kubelab/testkit/scenario-cli';
      const { runScenarioFile } = (await import(runner)) as ScenarioCli;
      process.exitCode = await runScenarioFile(file, { ...project(), ...o });
    });
}
