/**
 * Test harness for the REST facade: the real registry in memory (MemoryRegistry) seeded with a small cluster, the server on
 * 127.0.0.1:<random port>, a throw-away HOME with a kubeconfig, and a runner for the real
 * kubectl binaries (so each test sees a fresh discovery cache).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import pino from 'pino';
import { startRestServer } from '../server.js';
import type { StreamBackends } from '../streams/types.js';
import { MemoryRegistry } from './memory-registry.js';

/** Resolves a kubectl binary on PATH, or beside the machine's (gcloud-installed) kubectl. */
export function findKubectl(name: string): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d.length > 0);
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  for (const d of dirs) {
    const p = join(d, 'kubectl');
    if (!existsSync(p)) continue;
    const beside = join(dirname(realpathSync(p)), name);
    if (existsSync(beside)) return beside;
  }
  return undefined;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const ago = (s: number): string => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

export async function seed(reg: MemoryRegistry): Promise<void> {
  for (const ns of ['default', 'kube-system'])
    await reg.create('namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await reg.create('nodes', '', {
    metadata: { name: 'node-1', labels: { 'node-role.kubernetes.io/control-plane': '' } },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      nodeInfo: { kubeletVersion: 'v1.32.0-kubelab' },
      addresses: [{ type: 'InternalIP', address: '10.244.0.2' }],
    },
  });
  const container = { name: 'c', image: 'nginx' };
  // The apiserver drops a pod's status on create: the kubelet's report is a status write after it.
  const pod = async (name: string, spec: Record<string, unknown>, status: Record<string, unknown>): Promise<void> => {
    const created = await reg.create('pods', 'default', { metadata: { name }, spec });
    await reg.updateStatus('pods', 'default', name, { ...created, status });
  };
  await pod(
    'running',
    { containers: [container], nodeName: 'node-1' },
    {
      phase: 'Running',
      podIP: '10.244.0.9',
      containerStatuses: [
        {
          name: 'c',
          image: 'nginx',
          imageID: '',
          ready: true,
          restartCount: 3,
          state: { running: {} },
          lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } },
        },
      ],
    },
  );
  await pod(
    'crashing',
    { containers: [container], nodeName: 'node-1' },
    {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'c',
          image: 'nginx',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: {},
        },
      ],
    },
  );
  await pod(
    'creating',
    { containers: [container] },
    {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'c',
          image: 'nginx',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
          lastState: {},
        },
      ],
    },
  );
  reg.calls.length = 0;
}

/** A kubeconfig at <dir>/kubeconfig for http://127.0.0.1:<port>, namespace default, no credentials. */
export function writeKubeconfig(dir: string, port: number): void {
  writeFileSync(
    join(dir, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- cluster: {server: "http://127.0.0.1:${port}"}`,
      '  name: kubelab',
      'contexts:',
      '- context: {cluster: kubelab, user: me, namespace: default}',
      '  name: kubelab',
      'current-context: kubelab',
      'users:',
      '- name: me',
      '  user: {}',
      '',
    ].join('\n'),
  );
}

/** A kubeconfig for https://127.0.0.1:<port> trusting caCert, with a bearer token, namespace default. */
export function httpsKubeconfig(port: number, caCert: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- cluster: {server: "https://127.0.0.1:${port}", certificate-authority-data: ${Buffer.from(caCert).toString('base64')}}`,
    '  name: lab',
    'contexts:',
    '- context: {cluster: lab, user: admin, namespace: default}',
    '  name: lab',
    'current-context: lab',
    'users:',
    '- name: admin',
    `  user: {token: "${token}"}`,
    '',
  ].join('\n');
}

/** The environment for a kubectl that uses only <dir> (kubeconfig, HOME, discovery cache). */
export function kubectlEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: dir, KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
}

/** Runs a binary with kubectlEnv(dir) in dir; never rejects. */
export function runIn(dir: string, bin: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(bin, args, { env: kubectlEnv(dir), timeout: timeoutMs, cwd: dir }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === 'number'
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export class TestCluster {
  readonly registry = new MemoryRegistry();
  readonly dir = mkdtempSync(join(tmpdir(), 'kubelab-rest-'));
  private readonly ac = new AbortController();
  server: Server | undefined;
  port = 0;

  /** `streams`: backends for exec/attach/port-forward (absent: those answer 503). */
  constructor(private readonly streams?: StreamBackends) {}

  async start(): Promise<this> {
    await seed(this.registry);
    this.server = await startRestServer({
      registry: this.registry,
      port: 0,
      host: '127.0.0.1',
      log: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
      signal: this.ac.signal,
      ...(this.streams ? { streams: this.streams } : {}),
    });
    this.port = (this.server.address() as AddressInfo).port;
    writeKubeconfig(this.dir, this.port);
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  env(): NodeJS.ProcessEnv {
    return kubectlEnv(this.dir);
  }

  file(name: string, text: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, text);
    return p;
  }

  run(bin: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
    return runIn(this.dir, bin, args, timeoutMs);
  }

  async stop(): Promise<void> {
    const closed = this.server
      ? new Promise<void>((resolve) => this.server!.once('close', () => resolve()))
      : Promise.resolve();
    this.ac.abort();
    await closed;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
