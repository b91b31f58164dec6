/**
 * Integration test of the kubelet gRPC API (server + RuntimeBackend over DockerRuntime) against
 * the real engine: a pod made through DockerRuntime on the test's own network, then Logs, Exec,
 * PortForward and Stats through a real gRPC client on 127.0.0.1. Everything carries
 * io.kubelab.cluster=kubelet-server-itest-<pid> and is removed by that label (testing/dockerenv.ts).
 * Traffic goes only to 127.0.0.1 and to the test's own containers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import {
  CHANNEL_OPTIONS,
  kubeletService,
  logsRequest,
  type Chunk,
  type ExecInput,
  type ExecOutput,
  type ExecStart,
  type LogsRequest,
  type PortForwardData,
  type StatsResponse,
} from '@kubelab/proto';
import { DockerRuntime } from '../runtime/docker.js';
import { DockerTestEnv } from '../testing/dockerenv.js';
import { makePod, silentLogger } from '../testing/fakes.js';
import { RuntimeBackend } from './runtimebackend.js';
import { startKubeletServer, type KubeletServer } from './server.js';

const env = new DockerTestEnv('kubelet-server-itest');
const NODE = 'itest-node';
const log = silentLogger();

interface Client extends grpc.Client {
  Logs(req: LogsRequest): grpc.ClientReadableStream<Chunk>;
  Exec(): grpc.ClientDuplexStream<ExecInput, ExecOutput>;
  PortForward(): grpc.ClientDuplexStream<PortForwardData, PortForwardData>;
  Stats(req: object, cb: (err: grpc.ServiceError | null, res?: StatsResponse) => void): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('kubelet gRPC API against the real engine', { timeout: 180_000 }, () => {
  const runtime = new DockerRuntime({
    cluster: env.cluster,
    node: NODE,
    network: env.network,
    pauseImage: env.image,
    pauseCommand: ['sleep', '2147483647'],
    log,
    timeoutMs: 30_000,
  });
  const pod = makePod('itest-api', NODE, {
    containers: [
      {
        name: 'ticker',
        image: env.image,
        command: [
          'sh',
          '-c',
          'echo one; echo two; echo three; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done',
        ],
      },
      {
        name: 'web',
        image: env.image,
        command: [
          'sh',
          '-c',
          'mkdir -p /www && echo hello-through-the-tunnel > /www/index.html && exec httpd -f -p 8080 -h /www',
        ],
      },
      {
        name: 'once',
        image: env.image,
        command: ['sh', '-c', 'echo run $(cat /proc/sys/kernel/random/uuid); echo to-stderr >&2'],
      },
    ],
  });
  const ref = { namespace: 'default', name: 'itest-api', uid: pod.metadata.uid! };
  let server: KubeletServer;
  let client: Client;
  const onceIds: string[] = [];

  before(async () => {
    await env.setUp();
    const sandbox = await runtime.createPause(pod);
    for (const c of pod.spec.containers) {
      const id = await runtime.createContainer(pod, c, sandbox.id, 0);
      await runtime.start(id);
      if (c.name === 'once') onceIds.push(id);
    }
    // A second instance of "once" after the first exited: the first becomes "previous".
    await env.docker.getContainer(onceIds[0]!).wait();
    const second = await runtime.createContainer(pod, pod.spec.containers[2]!, sandbox.id, 1);
    await runtime.start(second);
    onceIds.push(second);
    await env.docker.getContainer(second).wait();
    const backend = new RuntimeBackend({ runtime, cluster: env.cluster, node: NODE, network: env.network, log });
    server = await startKubeletServer({ backend, port: 0, host: '127.0.0.1', log });
    const Ctor = kubeletService();
    client = new Ctor(
      `127.0.0.1:${server.port}`,
      grpc.credentials.createInsecure(),
      CHANNEL_OPTIONS,
    ) as unknown as Client;
  });

  after(async () => {
    client?.close();
    await server?.stop();
    await env.cleanup();
  });

  const readLogs = (req: LogsRequest): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const call = client.Logs(req);
      call.on('data', (c: Chunk) => chunks.push(c.data));
      call.on('end', () => resolve(Buffer.concat(chunks).toString()));
      call.on('error', reject);
    });

  it('Logs: all, tail, timestamps, limitBytes, previous, errors', async () => {
    // The ticker prints one, two, three, then a tick a while: wait for two ticks, which the tail checks read.
    let all = '';
    for (let i = 0; i < 100 && (all.match(/^tick \d+$/gm) ?? []).length < 2; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      all = await readLogs(logsRequest(ref, 'ticker', { follow: false, previous: false, timestamps: false }));
    }
    assert.match(all, /^one\ntwo\nthree\n(tick \d+\n){2}/);
    const tail = await readLogs(
      logsRequest(ref, 'ticker', { follow: false, previous: false, timestamps: false, tailLines: 1 }),
    );
    assert.match(tail, /^tick \d+\n$/);
    const ts = await readLogs(
      logsRequest(ref, 'ticker', { follow: false, previous: false, timestamps: true, tailLines: 2 }),
    );
    const lines = ts.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick \d+$/);
    assert.equal(
      await readLogs(logsRequest(ref, 'ticker', { follow: false, previous: false, timestamps: false, limitBytes: 6 })),
      'one\ntw',
    );

    const cur = await readLogs(logsRequest(ref, 'once', { follow: false, previous: false, timestamps: false }));
    const prev = await readLogs(logsRequest(ref, 'once', { follow: false, previous: true, timestamps: false }));
    // stdout and stderr are merged (their relative order is not kept by Docker's log driver).
    const sorted = (t: string): string => t.split('\n').sort().join('\n');
    assert.match(sorted(cur), /^\nrun [0-9a-f-]{36}\nto-stderr$/, 'stdout and stderr merged');
    assert.match(sorted(prev), /^\nrun [0-9a-f-]{36}\nto-stderr$/);
    assert.notEqual(cur, prev, 'previous is the earlier instance');
    await assert.rejects(
      readLogs(logsRequest(ref, 'ticker', { follow: false, previous: true, timestamps: false })),
      (e: grpc.ServiceError) => e.details === 'previous terminated container "ticker" in pod "itest-api" not found',
    );
    await assert.rejects(
      readLogs(logsRequest(ref, 'nope', { follow: false, previous: false, timestamps: false })),
      (e: grpc.ServiceError) =>
        e.code === grpc.status.NOT_FOUND && e.details === 'container "nope" in pod "itest-api" is not available',
    );
    await assert.rejects(
      readLogs(logsRequest({ ...ref, name: 'other' }, 'x', { follow: false, previous: false, timestamps: false })),
      (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND,
    );
  });

  it('Logs with follow receives new lines until cancelled; ends by itself for an exited container', async () => {
    const call = client.Logs(
      logsRequest(ref, 'ticker', { follow: true, previous: false, timestamps: false, tailLines: 0 }),
    );
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      call.on('data', (c: Chunk) => {
        got.push(c.data.toString());
        if (got.join('').split('\n').length >= 4) resolve();
      });
      call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? undefined : reject(e)));
      setTimeout(() => reject(new Error(`follow got only ${JSON.stringify(got)}`)), 10_000);
    });
    call.cancel();
    assert.match(got.join(''), /^tick \d+\n/, 'tailLines=0: only new lines');
    const done = await readLogs(logsRequest(ref, 'once', { follow: true, previous: false, timestamps: false }));
    assert.match(done, /^run [0-9a-f-]{36}$/m);
  });

  const runExec = (
    start: ExecInput['start'],
    input: ExecInput[] = [],
  ): Promise<{ out: string; err: string; exit: ExecOutput['exit'] }> =>
    new Promise((resolve, reject) => {
      const call = client.Exec();
      let out = '';
      let err = '';
      let exit: ExecOutput['exit'];
      call.on('data', (m: ExecOutput) => {
        if (m.output === 'stdout') out += m.stdout!.toString();
        else if (m.output === 'stderr') err += m.stderr!.toString();
        else if (m.output === 'exit') exit = m.exit;
      });
      call.on('end', () => resolve({ out, err, exit }));
      call.on('error', reject);
      call.write({ start });
      for (const m of input) call.write(m);
      call.end();
    });
  const execStart = (command: string[], stdin = false, tty = false): ExecStart => ({
    pod: ref,
    container: 'ticker',
    command,
    stdin,
    stdout: true,
    stderr: true,
    tty,
    attach: false,
  });

  it('Exec: output, exit codes, stdin, tty, errors', async () => {
    const hi = await runExec(execStart(['echo', 'hi']));
    assert.deepEqual(hi, { out: 'hi\n', err: '', exit: { code: 0, error: '' } });
    const three = await runExec(execStart(['sh', '-c', 'echo bad >&2; exit 3']));
    assert.equal(three.err, 'bad\n');
    assert.equal(three.exit?.code, 3);
    const cat = await runExec(execStart(['cat'], true), [
      { stdin: Buffer.from('through stdin\n') },
      { stdinClose: true },
    ]);
    assert.equal(cat.out, 'through stdin\n');
    assert.equal(cat.exit?.code, 0);
    const tty = await runExec(execStart(['sh', '-c', 'test -t 1 && echo is-a-tty'], false, true), [
      { resize: { width: 120, height: 40 } },
    ]);
    assert.match(tty.out, /is-a-tty/);
    const host = await runExec(execStart(['hostname']));
    assert.equal(host.out.trim(), 'itest-api');
    await assert.rejects(
      runExec({ ...execStart(['true']), container: 'nope' }),
      (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND,
    );
  });

  it("Exec with attach: the main process's output arrives, cancel detaches", async () => {
    const call = client.Exec();
    const got = await new Promise<string>((resolve, reject) => {
      let out = '';
      call.on('data', (m: ExecOutput) => {
        if (m.output === 'stdout') out += m.stdout!.toString();
        if (/tick \d+\n/.test(out)) resolve(out);
      });
      call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? undefined : reject(e)));
      call.write({
        start: {
          pod: ref,
          container: 'ticker',
          command: [],
          stdin: false,
          stdout: true,
          stderr: true,
          tty: false,
          attach: true,
        },
      });
      setTimeout(() => reject(new Error(`attach got ${JSON.stringify(out)}`)), 10_000);
    });
    call.cancel();
    assert.match(got, /tick \d+/);
  });

  it('PortForward: an HTTP GET through the stream reaches httpd in the pod', async () => {
    const body = await (async () => {
      for (let i = 0; i < 50; i++) {
        try {
          return await new Promise<string>((resolve, reject) => {
            const call = client.PortForward();
            const chunks: Buffer[] = [];
            call.on('data', (m: PortForwardData) => chunks.push(m.data));
            call.on('end', () => resolve(Buffer.concat(chunks).toString()));
            call.on('error', reject);
            call.write({ pod: ref, port: 8080, data: Buffer.from('GET / HTTP/1.0\r\nHost: x\r\n\r\n') });
            call.end();
          });
        } catch (err) {
          if (i === 49) throw err;
          await sleep(200);
        }
      }
      throw new Error('unreachable');
    })();
    assert.match(body, /^HTTP\/1\.[01] 200/);
    assert.match(body, /hello-through-the-tunnel/);
    await assert.rejects(
      new Promise((resolve, reject) => {
        const call = client.PortForward();
        call.on('data', () => undefined);
        call.on('end', resolve);
        call.on('error', reject);
        call.write({ pod: ref, port: 9, data: Buffer.alloc(0) });
      }),
      (e: grpc.ServiceError) => /error forwarding port 9 to pod itest-api/.test(e.details),
    );
  });

  it('Stats: per-container CPU and memory of the running containers, node totals', async () => {
    const res = await new Promise<StatsResponse>((resolve, reject) =>
      client.Stats({}, (err, r) => (err || !r ? reject(err) : resolve(r))),
    );
    assert.equal(res.nodeName, NODE);
    assert.equal(res.pods.length, 1);
    const p = res.pods[0]!;
    assert.deepEqual(p.pod, ref);
    assert.deepEqual(p.containers.map((c) => c.name).sort(), ['ticker', 'web']);
    for (const c of p.containers) {
      assert.ok(c.memory.workingSetBytes > 0, `${c.name} uses memory`);
      assert.ok(c.cpu.usageCoreNanoSeconds > 0, `${c.name} used CPU`);
    }
    const ticker = p.containers.find((c) => c.name === 'ticker')!;
    assert.ok(res.nodeMemory.workingSetBytes >= ticker.memory.workingSetBytes);
    assert.ok(res.nodeCpu.usageCoreNanoSeconds >= ticker.cpu.usageCoreNanoSeconds);
  });
});
