#!/usr/bin/env node
/** The `kubelab` command (run through the ./kubelab shim at the repository root). */
import { relative } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import {
  labApiAccess,
  labDown,
  labImages,
  labSettings,
  labStart,
  labStatus,
  labStop,
  labUp,
  type LabUpResult,
} from './lab.js';
import { runTunnel } from './tunnel.js';
import { consoleLog } from './output.js';
import { addNodeCommands } from './cmd-nodes.js';
import { addToolCommands } from './cmd-tools.js';
import { addTokenCommands } from './cmd-token.js';
import { addChaosCommands } from './cmd-chaos.js';
import { addUserCommands } from './cmd-user.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

function int(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
    return n;
  };
}

function friendly(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { address?: string };
  if (
    (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'EACCES') &&
    /docker\.sock/.test(`${e.address ?? ''} ${e.message}`)
  ) {
    return `cannot reach the Docker engine (${e.message}): is it running? scripts/ensure-docker.sh installs and starts it${e.code === 'EACCES' ? '; or add yourself to the docker group' : ''}`;
  }
  return e instanceof Error ? e.message : String(err);
}

function nextSteps(r: LabUpResult, root: string): string[] {
  const rel = relative(process.cwd(), r.kubeconfig) || r.kubeconfig;
  const lines = [
    `  API:        ${r.apiUrl}${r.ha ? ' (balanced over 2 apiservers; kubectl get leases -n kube-system shows the leaders)' : ''}`,
    `  nodes:      ${r.nodes.join(', ') || '(none)'}`,
    `  kubeconfig: ${rel}${r.mergedInto ? ` (context "${r.context}" is now current in ${r.mergedInto})` : ''}`,
    '',
    'Next:',
  ];
  if (!r.mergedInto) lines.push(`  export KUBECONFIG=${r.kubeconfig}`);
  const self = relative(process.cwd(), `${root}kubelab`) || './kubelab';
  lines.push(
    '  kubectl get nodes',
    '  kubectl create deployment web --image=kubelab/echo --replicas=3 --port=80',
    '  kubectl expose deployment web --type=NodePort --port=80',
    `  ${self.includes('/') ? self : `./${self}`} status      # containers and nodes`,
    `  ${self.includes('/') ? self : `./${self}`} stop        # for the night (start brings it back); delete removes everything`,
  );
  return lines;
}

const program = new Command()
  .name('kubelab')
  .description('A Kubernetes-style lab cluster: real components as containers on a real Docker network')
  .version(VERSION, '--version')
  .exitOverride((err) => {
    process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2);
  })
  .option('-p, --project <name>', 'lab (compose project) name; env KUBELAB_PROJECT, default "kubelab"')
  .showHelpAfterError();

const project = (): { project?: string } => {
  const p = program.opts<{ project?: string }>().project;
  return p ? { project: p } : {};
};

program
  .command('up')
  .description('build what is stale, start the lab, wait for its nodes, write a kubeconfig')
  .option('-n, --nodes <n>', 'kubelet nodes (env KUBELAB_NODES, default 2)', int('--nodes'))
  .option(
    '--api-port <port>',
    'host port of the Kubernetes API (env KUBELAB_API_PORT, default 6443)',
    int('--api-port'),
  )
  .option('--no-kubeconfig-merge', 'do not add the context to $KUBECONFIG / ~/.kube/config')
  .option('--no-build', 'skip npm install / tsc -b (use the dist/ folders as they are)')
  .option('--timeout <seconds>', 'give up after this long (default 600)', int('--timeout'))
  .option(
    '--ha',
    'high availability: 3 etcd members, 2 apiservers, 2 schedulers, 2 controller-managers (env KUBELAB_HA=1)',
  )
  .action(
    async (o: {
      nodes?: number;
      apiPort?: number;
      kubeconfigMerge: boolean;
      build: boolean;
      timeout?: number;
      ha?: boolean;
    }) => {
      const r = await labUp({
        ...project(),
        nodes: o.nodes,
        apiPort: o.apiPort,
        mergeKubeconfig: o.kubeconfigMerge,
        build: o.build,
        timeoutMs: o.timeout ? o.timeout * 1000 : undefined,
        ...(o.ha ? { ha: true } : {}),
      });
      for (const line of nextSteps(r, labSettings(project()).root)) consoleLog(line);
    },
  );

program
  .command('stop')
  .description(
    'stop every container of the lab; keeps everything (objects, pods, volumes, PKI, kubeconfig): start brings it back',
  )
  .action(async () => labStop(project()));

program
  .command('start')
  .description(
    "start a stopped lab again and wait for its nodes: the pods' containers first (the same containers and pod IPs), which the kubelets adopt",
  )
  .action(async () => {
    await labStart(project());
  });

program
  .command('down')
  .description(
    "remove the lab's containers (pods, joined nodes) and network; keeps its data volumes, PKI and kubeconfig entries unless --volumes, so up finds every object again",
  )
  .option('-v, --volumes', 'also remove the data volumes (etcd, PersistentVolumes), the PKI and the kubeconfig entries')
  .action(async (o: { volumes?: boolean }) => labDown({ ...project(), volumes: !!o.volumes }));

program
  .command('delete')
  .description(
    'down --volumes: remove the lab and everything it keeps, kubeconfig entries included (the next up starts clean)',
  )
  .action(async () => labDown({ ...project(), volumes: true }));

program
  .command('status')
  .description("the lab's containers and nodes; exit code 1 when the lab is absent or unhealthy")
  .action(async () => {
    if (!(await labStatus(project()))) process.exitCode = 1;
  });

program
  .command('version')
  .description("kubelab's version")
  .action(() => consoleLog(VERSION));

addNodeCommands(program, project);
addTokenCommands(program, project);
addChaosCommands(program, project);
addUserCommands(program, project);

program
  .command('tunnel')
  .description('forward 127.0.0.1:<port> to each LoadBalancer Service (for Docker Desktop, like minikube tunnel)')
  .action(async () => {
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    await runTunnel(
      await labApiAccess(project()),
      new URL(labSettings(project()).apiUrl).hostname,
      consoleLog,
      ac.signal,
    );
  });

program
  .command('images')
  .description("build the lab's images where their inputs changed")
  .option('--force', 'rebuild every image')
  .action(async (o: { force?: boolean }) => {
    await labImages({ ...project(), force: o.force });
  });

addToolCommands(program, project, VERSION);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`kubelab: ${friendly(err)}\n`);
  process.exitCode = 1;
}
