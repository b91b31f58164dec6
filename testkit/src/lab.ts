/**
 * A lab to test against: attach to a running one by its project name (as `./kubelab -p NAME up`
 * made it), or bring one up for the test and down after it; apply manifests with the real kubectl,
 * talk to its API, inject faults.
 */
import { spawn } from 'node:child_process';
import { labApiAccess, labDown, labSettings, labUp } from '@kubelab/cli/lab';
import { labKubeconfigPath } from '@kubelab/cli/kubeconfig-file';
import { LabChaos } from '@kubelab/cli/chaos/faults';
import { LabClient } from './client.js';
import { injectFault, type Fault, type FaultHandle } from './fault.js';

export interface AttachOptions {
  /** The lab's project name (default: env KUBELAB_PROJECT, else "kubelab"). */
  project?: string;
  /** Its kubeconfig (default: the one `up` wrote, .kubelab/<project>/kubeconfig). */
  kubeconfig?: string;
  /** Settings as `up` had them (KUBELAB_* variables), when they differ from the environment. */
  env?: Record<string, string>;
}

export interface TestLab {
  project: string;
  kubeconfig: string;
  client: LabClient;
  chaos: LabChaos;
  /** `kubectl apply -f -` of one or more YAML documents. */
  apply(manifest: string): Promise<string>;
  /** The real kubectl against the lab; throws with its output when it fails. */
  kubectl(args: string[], input?: string): Promise<string>;
  inject(fault: Fault): Promise<FaultHandle>;
  /** Heals every fault still recorded in the lab (for after/finally blocks). */
  healAll(): Promise<void>;
}

function runKubectl(kubeconfig: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, {
      env: { ...process.env, KUBECONFIG: kubeconfig },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(' ')} exited ${code}: ${(err || out).trim()}`)),
    );
    child.stdin.end(input ?? '');
  });
}

export async function attach(o: AttachOptions = {}): Promise<TestLab> {
  const input = { ...(o.project ? { project: o.project } : {}), ...(o.env ? { env: o.env } : {}) };
  const s = labSettings(input);
  const kubeconfig = o.kubeconfig ?? labKubeconfigPath(s.root, s.project);
  const client = new LabClient(await labApiAccess(input));
  const chaos = new LabChaos(input);
  const kubectl = (args: string[], stdin?: string) => runKubectl(kubeconfig, args, stdin);
  return {
    project: s.project,
    kubeconfig,
    client,
    chaos,
    kubectl,
    apply: (manifest) => kubectl(['apply', '-f', '-'], manifest),
    inject: (fault) => injectFault(chaos, fault),
    healAll: async () => {
      await chaos.heal();
    },
  };
}

export interface BringUpOptions extends AttachOptions {
  /** Kubelet nodes (default 2). */
  nodes?: number;
  /** The HA profile (3 etcd members, 2 apiservers, 2 schedulers, 2 controller-managers). */
  ha?: boolean;
  /** Run npm and `tsc -b` first when the checkout is stale (default true). */
  build?: boolean;
  /** Progress lines of `up` and `down` (default: none). */
  log?: (line: string) => void;
}

export interface OwnedLab extends TestLab {
  /** Removes the lab and its data volumes (as `./kubelab down --volumes`). */
  down(): Promise<void>;
}

/**
 * Brings a lab up for a test (as `./kubelab -p PROJECT up`, without touching the user's
 * kubeconfig) and attaches to it; `down()` removes it again. Give each suite its own project (and,
 * with another lab running, its own KUBELAB_SUBNET and ports in `env`).
 */
export async function bringUp(o: BringUpOptions = {}): Promise<OwnedLab> {
  const log = o.log ?? (() => undefined);
  const input = {
    ...(o.project ? { project: o.project } : {}),
    ...(o.env ? { env: o.env } : {}),
    nodes: o.nodes ?? 2,
    ha: o.ha ?? false,
  };
  await labUp({ ...input, mergeKubeconfig: false, build: o.build ?? true, log });
  const lab = await attach(o);
  return { ...lab, down: () => labDown({ ...input, volumes: true, log }) };
}
