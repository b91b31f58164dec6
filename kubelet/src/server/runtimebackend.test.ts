import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, type Readable } from 'node:stream';
import { ApiError } from '@kubelab/proto';
import { FakeRuntime } from '../runtime/fake.js';
import { ManualClock, makePod, silentLogger } from '../testing/fakes.js';
import { RuntimeBackend } from './runtimebackend.js';

const NODE = 'node-1';
const NETWORK = 'testnet';

async function text(r: Readable): Promise<string> {
  let s = '';
  for await (const c of r) s += String(c);
  return s;
}

/** A pod with a sandbox and two instances of "app" (the first one exited) in the fake runtime. */
async function world() {
  const clock = new ManualClock();
  const runtime = new FakeRuntime({ cluster: 'test', node: NODE, network: NETWORK, clock });
  runtime.images.add('img:1');
  const pod = makePod('web', NODE);
  const spec = pod.spec.containers[0]!;
  const sb = await runtime.createPause(pod);
  const first = await runtime.createContainer(pod, spec, sb.id, 0);
  await runtime.start(first);
  runtime.exit(first, 1);
  clock.advance(1000);
  const cur = await runtime.createContainer(pod, spec, sb.id, 1);
  await runtime.start(cur);
  runtime.logText.set(first, 'old 1\nold 2\n');
  runtime.logText.set(cur, 'one\ntwo\nthree\n');
  const backend = new RuntimeBackend({
    runtime,
    cluster: 'test',
    node: NODE,
    network: NETWORK,
    log: silentLogger(),
    now: () => clock.now(),
  });
  const ref = { namespace: 'default', name: 'web', uid: pod.metadata.uid! };
  return { runtime, backend, ref, sb, first, cur };
}

const isApi = (reason: string, msg: RegExp) => (e: unknown) =>
  e instanceof ApiError && e.reason === reason && msg.test(e.message);

describe('RuntimeBackend over a fake runtime', () => {
  it('logs: the current instance, the previous one, tail and limitBytes; upstream errors', async () => {
    const { backend, ref } = await world();
    const base = { follow: false, previous: false, timestamps: false };
    assert.equal(await text(await backend.logs(ref, 'app', base)), 'one\ntwo\nthree\n');
    assert.equal(await text(await backend.logs(ref, 'app', { ...base, previous: true })), 'old 1\nold 2\n');
    assert.equal(await text(await backend.logs(ref, 'app', { ...base, tailLines: 1 })), 'three\n');
    assert.equal(await text(await backend.logs(ref, 'app', { ...base, limitBytes: 6 })), 'one\ntw');
    await assert.rejects(
      backend.logs(ref, 'nope', base),
      isApi('NotFound', /^container "nope" in pod "web" is not available$/),
    );
    await assert.rejects(
      backend.logs({ ...ref, name: 'other', uid: '' }, 'app', base),
      isApi('NotFound', /^pod "other" not found on node "node-1"$/),
    );
  });

  it('exec runs in the current instance through the runtime; attach too; a stopped container is refused', async () => {
    const { runtime, backend, ref, cur } = await world();
    runtime.execHandler = (c, cmd) => ({ exitCode: 3, output: `${c.id}:${cmd.join(' ')}` });
    const p = await backend.exec(ref, 'app', {
      command: ['echo', 'hi'],
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
      attach: false,
    });
    assert.equal(await text(p.stdout), `${cur}:echo hi`);
    assert.deepEqual(await p.exit, { code: 3 });
    const attached: boolean[] = [];
    runtime.streamHandler = (_c, _o, attach) => {
      attached.push(attach);
      const out = new PassThrough();
      out.end();
      return {
        stdin: new PassThrough(),
        stdout: out,
        stderr: out,
        resize: () => undefined,
        exit: Promise.resolve({ code: 0 }),
        close: () => undefined,
      };
    };
    await backend.exec(ref, 'app', { command: [], stdin: false, stdout: true, stderr: true, tty: false, attach: true });
    assert.deepEqual(attached, [true]);
    runtime.exit(cur, 0);
    await assert.rejects(
      backend.exec(ref, 'app', {
        command: ['true'],
        stdin: false,
        stdout: true,
        stderr: true,
        tty: false,
        attach: false,
      }),
      isApi('BadRequest', /is not running$/),
    );
  });

  it('port-forward goes to the sandbox; a refused connection and a missing sandbox are errors', async () => {
    const { runtime, backend, ref, sb } = await world();
    const asked: string[] = [];
    runtime.portHandler = (s, port) => {
      asked.push(`${s.id}:${port}`);
      return Promise.resolve(new PassThrough());
    };
    await backend.portForward(ref, 8080);
    assert.deepEqual(asked, [`${sb.id}:8080`]);
    runtime.portHandler = (_s, port) => Promise.reject(new Error(`connect ECONNREFUSED 10.244.0.2:${port}`));
    await assert.rejects(
      backend.portForward(ref, 9),
      isApi('InternalError', /^error forwarding port 9 to pod web, uid .+: connect ECONNREFUSED/),
    );
    await runtime.remove(sb.id);
    await assert.rejects(
      backend.portForward(ref, 9),
      isApi('BadRequest', /has no running sandbox on network "testnet"/),
    );
  });

  it('stats: the running app containers of the node, per pod, with node totals', async () => {
    const { runtime, backend, ref, cur } = await world();
    runtime.usage.set(cur, {
      timestamp: Date.parse('2026-01-01T00:00:11Z'),
      cpuUsageCoreNanoSeconds: 5e9,
      memory: { usageBytes: 300, workingSetBytes: 200 },
    });
    const res = await backend.stats();
    assert.equal(res.nodeName, NODE);
    assert.equal(res.pods.length, 1);
    assert.deepEqual(res.pods[0]!.pod, ref);
    assert.deepEqual(
      res.pods[0]!.containers.map((c) => c.name),
      ['app'],
    );
    assert.deepEqual(res.nodeMemory, { usageBytes: 300, workingSetBytes: 200 });
    assert.equal(res.nodeCpu.usageCoreNanoSeconds, 5e9);
  });
});
