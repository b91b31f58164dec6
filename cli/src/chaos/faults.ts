/**
 * The faults of `kubelab chaos`, as a library (the CLI and the testkit use it): each one acts on
 * the containers a TARGET names and, when it lasts, is recorded in the lab's chaos.json with what
 * undoes it. kill (SIGKILL to the container's process, so the restart policy brings it back, as
 * after a crash), stop/start, restart, pause/unpause (the cgroup freezer), partition (every packet
 * to or from the lab network, or from some peers, dropped by iptables in its namespace), latency (netem;
 * without it, a TCP delay proxy in the target's namespace towards some peers, and loss with iptables),
 * clock-skew (an offset on the component's clock, through a file in its container).
 */
import Docker from 'dockerode';
import { COMPONENT_LABEL } from '../labels.js';
import { labSettings, type LabInput } from '../settings.js';
import { CLOCK_SKEW_COMPONENTS, writeClockSkew } from './clock.js';
import { readFile } from 'node:fs/promises';
import {
  inNetns,
  killConnectionsArgs,
  listeningPorts,
  lossRules,
  netemMissing,
  peerRules,
  planRedirects,
  redirectRules,
  startDelayProxy,
  stopDelayProxy,
} from './netns.js';
import { describeLatency, formatClockOffset, netemArgs, type LatencySpec } from './parse.js';
import { chaosStatePath, newFaultId, readFaults, writeFaults, type FaultKind, type FaultRecord } from './state.js';
import { listTargets, resolveTarget, type TargetContainer } from './targets.js';

export type { FaultRecord } from './state.js';

export class LabChaos {
  private readonly docker: Docker;
  readonly cluster: string;
  readonly network: string;
  readonly stateFile: string;
  /** Serializes this instance's read-modify-writes of chaos.json (faults injected at once, as by `chaos run`). */
  private stateLock: Promise<unknown> = Promise.resolve();

  constructor(lab: LabInput = {}, docker: Docker = new Docker()) {
    const s = labSettings(lab);
    this.docker = docker;
    this.cluster = s.cluster;
    this.network = s.network;
    this.stateFile = chaosStatePath(s.root, s.project);
  }

  targets(target: string): Promise<TargetContainer[]> {
    return resolveTarget(this.docker, this.cluster, target);
  }

  /** The lab's compose services (kubelets aside) and Nodes, sorted: what a TARGET may name besides pod/NAME. */
  listTargets(): Promise<{ services: string[]; nodes: string[] }> {
    return listTargets(this.docker, this.cluster);
  }

  faults(): Promise<FaultRecord[]> {
    return readFaults(this.stateFile);
  }

  /** SIGKILL: the process dies as in a crash; the restart policy (or the kubelet, for a pod) brings it back. */
  async kill(target: string): Promise<string[]> {
    const cs = await this.targets(target);
    for (const c of cs) {
      const { Pid: pid, StartedAt: started } = (await this.docker.getContainer(c.id).inspect()).State;
      if (!pid) throw new Error(`${target}: container ${c.name} is not running`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Another PID namespace than the engine's: Docker's kill (which the restart policy ignores), then start.
        await this.docker.getContainer(c.id).kill({ signal: 'SIGKILL' });
        if (!target.startsWith('pod')) await this.docker.getContainer(c.id).start();
      }
      await this.died(c, started);
    }
    return cs.map((c) => c.name);
  }

  async restart(target: string, seconds = 2): Promise<string[]> {
    const cs = await this.targets(target);
    for (const c of cs) await this.docker.getContainer(c.id).restart({ t: seconds });
    return cs.map((c) => c.name);
  }

  async stop(target: string, seconds = 2): Promise<FaultRecord[]> {
    return this.record('stop', target, 'stopped', async (c) => {
      await this.docker.getContainer(c.id).stop({ t: seconds });
      return {};
    });
  }

  async pause(target: string): Promise<FaultRecord[]> {
    return this.record('pause', target, 'paused (frozen)', async (c) => {
      await this.docker.getContainer(c.id).pause();
      return {};
    });
  }

  /** Cut off from the whole lab network (every peer and the host), or, with `from`, from those peers' addresses only. */
  async partition(target: string, from?: string): Promise<FaultRecord[]> {
    if (from) {
      const peers = await this.targets(from);
      const ips = (await Promise.all(peers.map((p) => this.address(p.id)))).map((a) => a.ip);
      const rules = peerRules(ips);
      return this.record('partition', target, `cut off from ${from} (${ips.join(', ')})`, async (c) => {
        const pid = await this.pid(c);
        for (const r of rules.add) await inNetns(pid, r);
        return { undo: rules.undo };
      });
    }
    // Every packet to or from the lab's network dropped in the container's own namespace. Its
    // interface and address stay (a network disconnect would free the address, and a pod made
    // meanwhile could take it, so that the heal could not give it back).
    const subnets = ((await this.docker.getNetwork(this.network).inspect()).IPAM?.Config ?? [])
      .map((c: { Subnet?: string }) => c.Subnet)
      .filter((x: string | undefined): x is string => !!x);
    if (subnets.length === 0) throw new Error(`network ${this.network} has no subnet to cut off`);
    const rules = peerRules(subnets);
    return this.record(
      'partition',
      target,
      `cut off from network ${this.network} (${subnets.join(', ')})`,
      async (c) => {
        await this.address(c.id); // on the network, or there is nothing to cut
        const pid = await this.pid(c);
        for (const r of rules.add) await inNetns(pid, r);
        return { undo: rules.undo };
      },
    );
  }

  /**
   * Delay (± jitter) and loss on what the target sends. With netem (and no `to`): tc netem on its
   * eth0, every peer. Else the delay goes through a TCP delay proxy in the target's namespace, for
   * the connections to `to` (a component, service or Node: every address:port it listens on; the
   * apiservers by default), and loss through iptables statistic.
   */
  async latency(target: string, spec: LatencySpec): Promise<{ faults: FaultRecord[]; how: string }> {
    const missing = await netemMissing();
    const proxy = spec.delayMs > 0 && (missing !== undefined || spec.to !== undefined);
    const to = spec.to ?? 'apiserver';
    const redirects = proxy ? planRedirects(await this.peerEndpoints(target, to)) : [];
    if (proxy && redirects.length === 0) throw new Error(`${to}: no TCP port listens there to delay`);
    const how = proxy
      ? `a delay proxy${missing ? ' (no netem in this kernel)' : ''}${spec.loss > 0 ? ' and iptables statistic' : ''}`
      : missing
        ? 'iptables statistic (no netem in this kernel)'
        : 'tc netem';
    const what =
      describeLatency(spec) + (proxy ? ` to ${to} (${redirects.map((r) => `${r.ip}:${r.port}`).join(', ')})` : '');
    const faults = await this.record('latency', target, `${what} via ${how}`, async (c) => {
      const pid = await this.pid(c);
      if (!proxy && !missing) {
        await inNetns(pid, ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', ...netemArgs(spec)]);
        return { undo: [['tc', 'qdisc', 'del', 'dev', 'eth0', 'root']] };
      }
      const undo: string[][] = [];
      const extra: Partial<FaultRecord> = { undo };
      try {
        if (spec.loss > 0) {
          const rules = lossRules(spec.loss);
          for (const [i, r] of rules.add.entries()) {
            await inNetns(pid, r);
            undo.unshift(rules.undo[i]!);
          }
        }
        if (proxy) {
          extra.proxyPid = await startDelayProxy(pid, redirects, spec.delayMs, spec.jitterMs);
          const rules = redirectRules(redirects);
          for (const [i, r] of rules.add.entries()) {
            await inNetns(pid, r);
            undo.unshift(rules.undo[i]!);
          }
          // REDIRECT catches new connections only: reset the established ones, so that the target reconnects.
          for (const r of redirects) await inNetns(pid, killConnectionsArgs(r));
        }
      } catch (err) {
        for (const u of undo) await inNetns(pid, u).catch(() => undefined);
        if (extra.proxyPid) await stopDelayProxy(extra.proxyPid);
        throw err;
      }
      return extra;
    });
    return { faults, how };
  }

  /**
   * The address of each container `to` names on a network it shares with the target (the lab
   * network first), with the TCP ports it listens on there.
   */
  private async peerEndpoints(target: string, to: string): Promise<{ ip: string; ports: number[] }[]> {
    const mine = new Set<string>();
    for (const c of await this.targets(target))
      for (const n of Object.keys((await this.docker.getContainer(c.id).inspect()).NetworkSettings.Networks))
        mine.add(n);
    const out: { ip: string; ports: number[] }[] = [];
    for (const p of await this.targets(to)) {
      const nets = (await this.docker.getContainer(p.id).inspect()).NetworkSettings.Networks;
      const shared = [this.network, ...Object.keys(nets)].find((n) => mine.has(n) && nets[n]?.IPAddress);
      if (!shared) throw new Error(`${to}: ${p.name} shares no network with ${target} (which cannot reach it anyway)`);
      const pid = await this.pid(p);
      const tcp = await Promise.all(
        ['tcp', 'tcp6'].map((f) => readFile(`/proc/${pid}/net/${f}`, 'utf8').catch(() => '')),
      );
      out.push({ ip: nets[shared]!.IPAddress, ports: listeningPorts(tcp.join('\n')) });
    }
    return out;
  }

  /**
   * Moves the target's clock by offsetMs (its now(): the times it writes and compares with stored
   * ones; never the intervals it measures itself), at once and without a restart, until heal.
   */
  async clockSkew(target: string, offsetMs: number): Promise<FaultRecord[]> {
    for (const c of await this.targets(target)) {
      const component = (await this.docker.getContainer(c.id).inspect()).Config.Labels?.[COMPONENT_LABEL] ?? '';
      if (!CLOCK_SKEW_COMPONENTS.includes(component))
        throw new Error(
          `${target}: ${c.name} is ${component || 'not a component'}, whose clock cannot be skewed: use ${CLOCK_SKEW_COMPONENTS.join(', ')} or a Node name`,
        );
    }
    return this.record('clock-skew', target, `clock ${formatClockOffset(offsetMs)}`, async (c) => {
      await writeClockSkew(this.docker, c.id, offsetMs);
      return { skewMs: offsetMs };
    });
  }

  /** Undoes the recorded faults on `target` (every one with `target` undefined); returns those healed. */
  heal(target?: string): Promise<FaultRecord[]> {
    return this.locked(() => this.healNow(target));
  }

  private locked<T>(f: () => Promise<T>): Promise<T> {
    const run = this.stateLock.then(() => f());
    this.stateLock = run.catch(() => undefined);
    return run;
  }

  private async healNow(target?: string): Promise<FaultRecord[]> {
    const all = await this.faults();
    const ids =
      target === undefined ? undefined : new Set((await this.targets(target).catch(() => [])).map((c) => c.id));
    const mine = all.filter(
      (f) => target === undefined || f.target === target || f.id === target || ids?.has(f.container.id),
    );
    const healed: FaultRecord[] = [];
    try {
      for (const f of mine.reverse()) {
        await this.undo(f);
        healed.push(f);
      }
    } finally {
      await writeFaults(
        this.stateFile,
        all.filter((f) => !healed.includes(f)),
      );
    }
    return healed;
  }

  private async undo(f: FaultRecord): Promise<void> {
    const c = this.docker.getContainer(f.container.id);
    switch (f.kind) {
      case 'stop':
        await c.start().catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 304) throw err; // already started
        });
        return;
      case 'pause':
        if ((await c.inspect()).State.Paused) await c.unpause();
        return;
      case 'partition':
      case 'latency':
        if (f.network) {
          const connected = (await c.inspect()).NetworkSettings.Networks[f.network.name];
          if (!connected)
            await this.docker.getNetwork(f.network.name).connect({
              Container: f.container.id,
              EndpointConfig: { IPAMConfig: { IPv4Address: f.network.ip }, Aliases: f.network.aliases },
            });
        }
        if (f.undo) {
          const pid = (await c.inspect()).State.Pid;
          if (pid) for (const u of f.undo) await inNetns(pid, u).catch(() => undefined); // gone with a restart
        }
        if (f.proxyPid) await stopDelayProxy(f.proxyPid);
        return;
      case 'clock-skew':
        await writeClockSkew(this.docker, f.container.id, 0).catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err; // the container is gone, and its clock with it
        });
        return;
      default: {
        const never: never = f.kind;
        throw new Error(`unknown fault kind ${String(never)}`);
      }
    }
  }

  /** Resolves once Docker has seen the container die: not running, or running again from a later start. */
  private async died(c: TargetContainer, startedAt: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const st = (await this.docker.getContainer(c.id).inspect()).State;
      if (!st.Running || st.StartedAt !== startedAt) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`container ${c.name} was sent SIGKILL but still runs after 10 s`);
  }

  private async pid(c: TargetContainer): Promise<number> {
    const pid = (await this.docker.getContainer(c.id).inspect()).State.Pid;
    if (!pid) throw new Error(`container ${c.name} is not running`);
    return pid;
  }

  private async address(id: string): Promise<{ name: string; ip: string; aliases: string[] }> {
    const info = await this.docker.getContainer(id).inspect();
    const net = info.NetworkSettings.Networks[this.network];
    if (!net?.IPAddress)
      throw new Error(
        `container ${info.Name.replace(/^\//, '')} has no address on network ${this.network} (partitioned already?)`,
      );
    const short = info.Id.slice(0, 12);
    return { name: this.network, ip: net.IPAddress, aliases: (net.Aliases ?? []).filter((a: string) => a !== short) };
  }

  private record(
    kind: FaultKind,
    target: string,
    detail: string,
    act: (c: TargetContainer) => Promise<Partial<FaultRecord>>,
  ): Promise<FaultRecord[]> {
    return this.locked(() => this.recordNow(kind, target, detail, act));
  }

  private async recordNow(
    kind: FaultKind,
    target: string,
    detail: string,
    act: (c: TargetContainer) => Promise<Partial<FaultRecord>>,
  ): Promise<FaultRecord[]> {
    const cs = await this.targets(target);
    const all = await this.faults();
    const clash = all.find((f) => f.kind === kind && cs.some((c) => c.id === f.container.id));
    if (clash)
      throw new Error(
        `${target}: fault ${clash.id} (${clash.kind}) is active on ${clash.container.name}: kubelab chaos heal ${clash.id} first`,
      );
    const made: FaultRecord[] = [];
    try {
      for (const c of cs) {
        const extra = await act(c);
        made.push({
          id: newFaultId([...all, ...made]),
          kind,
          target,
          container: { id: c.id, name: c.name },
          since: new Date().toISOString(),
          detail,
          ...extra,
        });
      }
    } finally {
      await writeFaults(this.stateFile, [...all, ...made]);
    }
    return made;
  }
}
