/** The CLI's `node add` (alias `join`) and `node delete` commands. */
import { type Command, InvalidArgumentError } from 'commander';
import { labJoin, type LabOptions } from './lab.js';
import { labNodeDelete } from './lab-nodes.js';
import { NodeOptionError, nodeAddSpec, type NodeAddInput, type NodeAddSpec } from './node-options.js';
import { consoleLog } from './output.js';

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('--timeout must be a whole number of seconds');
  return n;
};

export function addNodeCommands(program: Command, project: () => LabOptions): void {
  const addNode = async (o: NodeAddInput & { token?: string; wait?: boolean }, cmd: Command): Promise<void> => {
    let spec: NodeAddSpec;
    try {
      spec = nodeAddSpec(o);
    } catch (err) {
      if (!(err instanceof NodeOptionError)) throw err;
      return cmd.error(`error: ${err.message}`, { exitCode: 2, code: 'kubelab.invalidNodeOption' });
    }
    const r = await labJoin(
      {
        ...project(),
        ...(o.token ? { token: o.token } : {}),
        wait: o.wait !== false,
        ...(spec.hollow ? { timeoutMs: 120_000 + spec.hollow * 200 } : {}),
      },
      spec,
    );
    if (spec.hollow) {
      const which = `${r.nodes.length} hollow nodes ${r.nodes[0]} … ${r.nodes[r.nodes.length - 1]} (label kubelab.io/hollow=true, container ${r.id.slice(0, 12)})`;
      consoleLog(
        r.seconds === undefined
          ? `${which} starting; kubectl get nodes shows them once Ready`
          : `${which} joined and Ready in ${r.seconds.toFixed(1)} s; kubelab node delete ${r.name} removes them`,
      );
      return;
    }
    if (r.seconds === undefined)
      consoleLog(`node ${r.name} is starting (container ${r.id.slice(0, 12)}); kubectl get nodes shows it once Ready`);
    else
      consoleLog(
        `node ${r.name} joined (bootstrap token, then its own certificate) and is Ready in ${r.seconds.toFixed(1)} s (container ${r.id.slice(0, 12)})`,
      );
  };
  const withAddOptions = (cmd: Command): Command =>
    cmd
      .option('--name <name>', "the node's name (default <project>-node-<n>)")
      .option('--cpu <cpu>', "the node's cpu capacity, a quantity such as 2 or 500m (default the machine's)")
      .option('--memory <memory>', "the node's memory capacity, a quantity such as 4Gi (default the machine's)")
      .option('--labels <k=v,..>', "labels the Node registers with, as the kubelet's --node-labels")
      .option(
        '--taints <k=v:Effect,..>',
        'taints the Node registers with (NoSchedule, PreferNoSchedule, NoExecute), as kubectl taint writes them',
      )
      .option(
        '--hollow <n>',
        'n hollow (kwok-style) nodes <name>-0 … <name>-(n-1) in one container instead: simulated, no Docker behind their pods, labelled kubelab.io/hollow=true',
      )
      .option(
        '--token <token>',
        "the bootstrap token to join with (default: the lab's own, .kubelab/pki/bootstrap-token)",
      )
      .option('--no-wait', 'return once the kubelet is started, not once the node is Ready')
      .action(addNode);

  const node = program.command('node').description("the lab's kubelet nodes");
  withAddOptions(
    node
      .command('add')
      .description(
        'add one more kubelet node that lasts until down (a container of its own, not a compose replica); alias: kubelab join',
      ),
  );
  node
    .command('delete')
    .argument('<name>', 'the node (kubectl get nodes), or the name given to node add --hollow (all its hollow nodes)')
    .description(
      "cordon and drain the node as kubectl drain --ignore-daemonsets --delete-emptydir-data does (its pods are evicted and replaced on other nodes), then remove its kubelet container, its pods' containers and the Node object",
    )
    .option('--force', 'also delete pods that no controller owns (they are not replaced)')
    .option('--timeout <seconds>', 'give up draining after this long (default 300)', seconds)
    .action(async (name: string, o: { force?: boolean; timeout?: number }) => {
      await labNodeDelete(
        { ...project(), force: !!o.force, ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}) },
        name,
      );
    });
  withAddOptions(
    program.command('join').description('add one more kubelet node that lasts until down; same as node add'),
  );
}
