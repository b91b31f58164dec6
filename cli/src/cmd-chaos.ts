/** `kubelab chaos …`: faults injected into a lab's components and nodes, each one reversible. */
import type { Command } from 'commander';
import { LabChaos } from './chaos/faults.js';
import { CLOCK_SKEW_COMPONENTS } from './chaos/clock.js';
import { addChaosRunCommand } from './cmd-chaos-run.js';
import { formatClockOffset, parseClockOffset, parseDuration, parsePercent } from './chaos/parse.js';
import { describeFaults, type FaultRecord } from './chaos/state.js';
import { COMPONENTS } from './chaos/targets.js';
import { labSettings } from './settings.js';
import { consoleLog } from './output.js';

const WALKTHROUGH = `
TARGET is a component or compose service (${COMPONENTS.join(', ')}; in the HA profile also
scheduler-2, controller-manager-2, apiserver-2, etcd-2, etcd-3), a Node name (its kubelet), or
pod/NAME (pod/NAMESPACE/NAME; kill only). Lasting faults (stop, pause, partition, latency,
clock-skew) are recorded in .kubelab/<project>/chaos.json and listed by \`kubelab status\` until healed.

Walk-through: does my Deployment survive losing the scheduler and a node?
  kubectl create deployment web --image=kubelab/echo --replicas=3 --port=80
  kubectl get pods -o wide                     # note a node, e.g. kubelab-kubelet-1's hostname
  kubelab chaos stop scheduler                 # no new pod gets a node while it is stopped
  kubectl scale deployment web --replicas=5    # two pods stay Pending
  kubelab status                               # shows "f1 stop scheduler … for 12s"
  kubelab chaos heal scheduler                 # or: kubelab chaos start scheduler
  kubectl get pods -o wide                     # all five Running
  kubelab chaos partition <node>               # the node's kubelet loses the apiserver
  kubectl get nodes -w                         # NotReady after the grace period (40 s)
  kubelab chaos heal --all                     # everything back as it was

A timed, seeded sequence of these with probes and a report: kubelab chaos run --help.
`;

function printFaults(made: FaultRecord[]): void {
  for (const line of describeFaults(made)) consoleLog(`injected ${line}`);
  consoleLog(`heal with: kubelab chaos heal ${made.map((f) => f.id).join(' ')}  (or heal --all)`);
}

export function addChaosCommands(program: Command, project: () => { project?: string }): void {
  const chaos = program
    .command('chaos')
    .description('inject faults into the lab (kill, stop, pause, partition, latency, clock-skew) and heal them')
    .addHelpText('after', WALKTHROUGH);
  const lab = () => new LabChaos(project());

  chaos
    .command('kill <target>')
    .description('SIGKILL the target as a crash would; its restart policy (the kubelet, for pod/NAME) brings it back')
    .action(async (t: string) => consoleLog(`killed ${(await lab().kill(t)).join(', ')}`));
  chaos
    .command('restart <target>')
    .description('stop (SIGTERM, 2 s) and start the target again')
    .action(async (t: string) => consoleLog(`restarted ${(await lab().restart(t)).join(', ')}`));
  chaos
    .command('stop <target>')
    .description('stop the target until `start` / `heal`')
    .action(async (t: string) => printFaults(await lab().stop(t)));
  chaos
    .command('start <target>')
    .description('start a target stopped with `chaos stop`')
    .action(async (t: string) => healed(await lab().heal(t), t));
  chaos
    .command('pause <target>')
    .description('freeze the target (its processes get no CPU; connections stay open) until `unpause` / `heal`')
    .action(async (t: string) => printFaults(await lab().pause(t)));
  chaos
    .command('unpause <target>')
    .description('thaw a paused target')
    .action(async (t: string) => healed(await lab().heal(t), t));
  chaos
    .command('partition <target>')
    .description(
      "cut the target off the lab's network (it keeps its address for `heal`), or with --from from one peer only",
    )
    .option('--from <peer>', "only from this component, service or node (iptables in the target's network namespace)")
    .action(async (t: string, o: { from?: string }) => printFaults(await lab().partition(t, o.from)));
  chaos
    .command('latency <target> <delay>')
    .description(
      "delay what the target sends: tc netem where the kernel has it, else a TCP delay proxy in the target's network namespace towards --to (the apiservers by default); says which",
    )
    .option('--jitter <duration>', 'delay varies by up to this much', '0ms')
    .option('--loss <percent>', 'also drop this share of packets (iptables statistic without netem)', '0%')
    .option(
      '--to <peer>',
      'delay only the connections to this component, service or node (every port it listens on): the delay proxy; default without netem: apiserver, the control-plane path',
    )
    .addHelpText(
      'after',
      `
Without sch_netem (or with --to) the delay goes through a proxy run from the host in the target's
network namespace (nsenter, uid 65534): iptables REDIRECTs the target's connections to each of the
peer's address:port into it, and each chunk the target sends is held DELAY (± jitter, in order), so
a round trip gains DELAY. The target's established connections to the peer are reset (ss -K) so
that it reconnects through the proxy. TCP only: UDP (DNS) passes undelayed. heal stops the proxy
and deletes the rules.`,
    )
    .action(async (t: string, delay: string, o: { jitter: string; loss: string; to?: string }) => {
      const r = await lab().latency(t, {
        delayMs: parseDuration(delay, 'DELAY'),
        jitterMs: parseDuration(o.jitter, '--jitter'),
        loss: parsePercent(o.loss, '--loss'),
        ...(o.to ? { to: o.to } : {}),
      });
      consoleLog(`using ${r.how}`);
      printFaults(r.faults);
    });
  chaos
    .command('clock-skew <target> <offset>')
    .description(
      `move the target's clock by OFFSET (+90s, -30s, -2m, 1h30m) until \`heal\`, at once and without a restart: ${CLOCK_SKEW_COMPONENTS.join(', ')} or a Node name (its kubelet)`,
    )
    .addHelpText(
      'after',
      `
The component's now() moves: the times it writes (heartbeats, Lease renewals, timestamps) and
every comparison of now() with a stored time (CronJob schedules, Job deadlines). The intervals a
component measures between its own observations do not move (as Go's monotonic clock): with the
controller-manager +90s no node goes NotReady. Through /run/kubelab/clock-skew in the container.

  kubelab chaos clock-skew controller-manager +90s
  kubelab chaos clock-skew kubelab-kubelet-1 -- -30s   # or: clock-skew kubelab-kubelet-1 -30s
  kubelab chaos heal controller-manager
`,
    )
    .allowUnknownOption() // "-30s" is an offset, not an option
    .action(async (t: string, raw: string, _o: unknown, cmd: Command) => {
      let offsetMs: number;
      try {
        offsetMs = parseClockOffset(raw);
      } catch (err) {
        return cmd.error(`error: ${(err as Error).message}`, { exitCode: 2, code: 'kubelab.invalidClockOffset' });
      }
      printFaults(await lab().clockSkew(t, offsetMs));
      consoleLog(`its clock reads ${formatClockOffset(offsetMs)} within a second`);
    });
  chaos
    .command('heal [targets...]')
    .description('undo the recorded faults of these targets or fault ids (f1 …), or --all')
    .option('--all', 'every active fault')
    .action(async (targets: string[], o: { all?: boolean }) => {
      if (!o.all && targets.length === 0)
        throw new Error('heal: name a target or fault id (kubelab chaos list shows them), or pass --all');
      if (o.all) {
        const all = await lab().heal();
        return all.length ? healed(all, 'the lab') : consoleLog('no active faults');
      }
      for (const t of targets) healed(await lab().heal(t), t);
    });
  addChaosRunCommand(chaos, project);
  chaos
    .command('list')
    .description('the active faults')
    .action(async () => {
      const faults = await lab().faults();
      for (const line of faults.length
        ? describeFaults(faults)
        : [`no active faults in lab ${labSettings(project()).project}`])
        consoleLog(line);
    });
}

function healed(faults: FaultRecord[], what: string): void {
  if (faults.length === 0) throw new Error(`${what}: no active fault to heal (kubelab chaos list shows them)`);
  for (const f of faults) consoleLog(`healed ${f.id} (${f.kind} ${f.target}: ${f.container.name})`);
}
