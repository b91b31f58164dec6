/** The CLI's `list`, `logs`, `export logs`, `kubeconfig` and `completion` commands. */
import { type Command, InvalidArgumentError } from 'commander';
import { labKubeconfigPath } from './kubeconfig-file.js';
import { type LabOptions } from './lab.js';
import { labExportLogs, labKubeconfigMerge, labKubeconfigText, labList, labLogs } from './lab-tools.js';
import { listTable } from './list.js';
import { checkSince } from './logs.js';
import { nodeNames } from './lab-tools.js';
import { completionScript, NODES_COMMAND } from './completion.js';
import { consoleLog } from './output.js';
import { labSettings } from './settings.js';

const since = (value: string): string => {
  try {
    return checkSince(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

const lines = (value: string): string => {
  if (value !== 'all' && !/^\d+$/.test(value)) throw new InvalidArgumentError('--tail: a number of lines, or all');
  return value;
};

export function addToolCommands(program: Command, project: () => LabOptions, version: string): void {
  program
    .command('list')
    .description(
      'every lab on this Docker engine (found by the label on its containers): state, nodes, components, pod containers, API address',
    )
    .action(async () => {
      const labs = await labList();
      if (labs.length === 0) consoleLog('no kubelab labs on this Docker engine (./kubelab up makes one)');
      else for (const l of listTable(labs)) consoleLog(l);
    });

  program
    .command('logs')
    .argument(
      '<component|node>',
      'a component (apiserver, etcd, scheduler, controller-manager, kube-proxy, cluster-dns, ingress, apiserver-lb, …), a container name, or a node (its kubelet)',
    )
    .description("a component's container log, or a node's kubelet log (docker logs)")
    .option('-f, --follow', 'keep printing new lines')
    .option('--since <when>', 'only lines since then: a duration (10m, 1h) or a date', since)
    .option('--tail <n>', 'only the last n lines (default all)', lines)
    .action(async (target: string, o: { follow?: boolean; since?: string; tail?: string }) => {
      process.exitCode = await labLogs(project(), target, o);
    });

  program
    .command('export')
    .description('export what a bug report needs')
    .command('logs')
    .argument('[dir]', 'where to write (default a new folder in the temp directory)')
    .description(
      "every component's and pod's log, docker inspect of the lab's containers, and the cluster's state (nodes, events, workloads, services …; no Secrets) as YAML, into DIR (as kind export logs)",
    )
    .action(async (dir: string | undefined) => {
      consoleLog(`exporting the logs of lab ${labSettings(project()).project}…`);
      const r = await labExportLogs({ ...project(), version }, dir);
      for (const n of r.notes) consoleLog(`  note: ${n}`);
      consoleLog(`exported logs to ${r.dir}`);
    });

  program
    .command('kubeconfig')
    .description(
      "the lab's kubeconfig: its path (default), its contents (--print), or merged into the kubeconfig kubectl uses (--merge)",
    )
    .option('--print', 'print the kubeconfig itself (e.g. kubelab kubeconfig --print > lab.yaml)')
    .option(
      '--merge',
      "add the lab's context to the file kubectl uses ($KUBECONFIG's first existing file, else ~/.kube/config) and make it current; an entry of that name for another server is left alone",
    )
    .action(async (o: { print?: boolean; merge?: boolean }) => {
      if (o.print) process.stdout.write(await labKubeconfigText(project()));
      if (o.merge) {
        const into = await labKubeconfigMerge(project());
        if (into) consoleLog(`merged the lab's context into ${into} (now current)`);
        else process.exitCode = 1;
      }
      if (!o.print && !o.merge) {
        const s = labSettings(project());
        consoleLog(labKubeconfigPath(s.root, s.project));
      }
    });

  program
    .command(NODES_COMMAND, { hidden: true })
    .description("the lab's node names, one a line (for the completion scripts)")
    .action(async () => {
      for (const n of await nodeNames(project())) consoleLog(n);
    });

  program
    .command('completion')
    .argument('<shell>', 'bash or zsh')
    .description('a shell completion script: source <(kubelab completion bash), or in ~/.bashrc / ~/.zshrc')
    .action((shell: string, _o: unknown, cmd: Command) => {
      if (shell !== 'bash' && shell !== 'zsh')
        return cmd.error(`error: unsupported shell "${shell}": supported shells: bash, zsh`, {
          exitCode: 2,
          code: 'kubelab.shell',
        });
      process.stdout.write(completionScript(program, shell));
    });
}
