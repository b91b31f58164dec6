import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import type { KubeObject } from '@kubelab/api';
import { ApiError, type ExecInput, type PortForwardData } from '@kubelab/proto';
import { KubeletConnector, kubeletAddress, type KubeletClient } from './connector.js';

/** A client-side gRPC call: records what is written; the test plays the kubelet by emitting. */
class FakeClientCall extends EventEmitter {
  written: unknown[] = [];
  ended = false;
  cancelled = false;
  write(m: unknown, cb?: () => void): boolean {
    this.written.push(m);
    cb?.();
    return true;
  }
  end(): void {
    this.ended = true;
  }
  cancel(): void {
    this.cancelled = true;
  }
  pause(): void {}
  resume(): void {}
}

const objects: Record<string, KubeObject> = {
  'pods/default/web': {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'i' }] },
  } as KubeObject,
  'pods/default/pending': {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pending', namespace: 'default' },
    spec: { containers: [] },
  } as KubeObject,
  'nodes//n1': {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    status: {
      addresses: [
        { type: 'Hostname', address: 'n1' },
        { type: 'InternalIP', address: '10.244.0.7' },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10555 } },
    },
  } as KubeObject,
};
const registry = {
  get: (r: string, ns: string, n: string): Promise<KubeObject> => {
    const o = objects[`${r}/${ns}/${n}`];
    return o ? Promise.resolve(o) : Promise.reject(new ApiError('NotFound', `${r} "${n}" not found`));
  },
};

function harness(): { conn: KubeletConnector; dialed: string[]; calls: FakeClientCall[] } {
  const dialed: string[] = [];
  const calls: FakeClientCall[] = [];
  const mk = (): FakeClientCall => {
    const c = new FakeClientCall();
    calls.push(c);
    return c;
  };
  const dial = (address: string): KubeletClient => {
    dialed.push(address);
    return {
      Logs: mk,
      Exec: mk,
      PortForward: mk,
      Stats: () => undefined,
      close: () => undefined,
    } as unknown as KubeletClient;
  };
  return { conn: new KubeletConnector({ registry, log: pino({ level: 'silent' }), dial }), dialed, calls };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('KubeletConnector', () => {
  it('finds the kubelet at the InternalIP and reported port, one client per address', async () => {
    assert.equal(kubeletAddress(objects['nodes//n1'] as never), '10.244.0.7:10555');
    const h = harness();
    await h.conn.forPod({ namespace: 'default', name: 'web' });
    await h.conn.forPod({ namespace: 'default', name: 'web' });
    assert.deepEqual(h.dialed, ['10.244.0.7:10555']);
    await assert.rejects(h.conn.forPod({ namespace: 'default', name: 'pending' }), /does not have a host assigned/);
  });

  it('exec: sends the start, resolves on headers, maps output and exit; stdin end → stdinClose', async () => {
    const h = harness();
    const started = h.conn
      .execBackend({ namespace: 'default', name: 'web' }, 'app')
      .start({ command: ['sh'], container: '', stdin: true, stdout: true, stderr: true, tty: false });
    await tick();
    const call = h.calls[0]!;
    const first = call.written[0] as ExecInput;
    assert.deepEqual(first.start?.pod, { namespace: 'default', name: 'web', uid: 'u1' });
    assert.equal(first.start?.container, 'app');
    assert.equal(first.start?.attach, false);
    call.emit('metadata', {});
    const s = await started;
    s.stdin!.write('hi');
    s.stdin!.end();
    s.resize(100, 30);
    await tick();
    assert.deepEqual(call.written.slice(1), [
      { stdin: Buffer.from('hi') },
      { stdinClose: true },
      { resize: { width: 100, height: 30 } },
    ]);
    const out: Buffer[] = [];
    s.stdout!.on('data', (b: Buffer) => out.push(b));
    call.emit('data', { output: 'stdout', stdout: Buffer.from('hello') });
    call.emit('data', { output: 'exit', exit: { code: 3, error: '' } });
    assert.deepEqual(await s.exit, { code: 3 });
    await tick();
    assert.equal(Buffer.concat(out).toString(), 'hello');
    assert.equal(call.ended, true);
    assert.equal(call.cancelled, false, 'ending stdin (and its autoDestroy) does not cancel the call');
  });

  it('exec: a kubelet error before the headers rejects start with the ApiError', async () => {
    const h = harness();
    const started = h.conn
      .attachBackend({ namespace: 'default', name: 'web' }, 'app')
      .start({ command: [], container: 'app', stdin: false, stdout: true, stderr: true, tty: false });
    await tick();
    assert.equal((h.calls[0]!.written[0] as ExecInput).start?.attach, true);
    h.calls[0]!.emit(
      'error',
      Object.assign(new Error('x'), {
        code: 5,
        details: 'container "app" in pod "web" is not available',
        metadata: { get: () => [] },
      }),
    );
    await assert.rejects(
      started,
      (e: unknown) =>
        e instanceof ApiError &&
        e.reason === 'NotFound' &&
        e.message === 'container "app" in pod "web" is not available',
    );
  });

  it('port-forward: first message carries pod and port; data both ways; end half-closes', async () => {
    const h = harness();
    const connecting = h.conn.portForwardBackend({ namespace: 'default', name: 'web' }).connect(8080);
    await tick();
    const call = h.calls[0]!;
    assert.deepEqual(
      { ...(call.written[0] as PortForwardData), data: undefined },
      { pod: { namespace: 'default', name: 'web', uid: 'u1' }, port: 8080, data: undefined },
    );
    call.emit('metadata', {});
    const d = await connecting;
    const got: Buffer[] = [];
    d.on('data', (b: Buffer) => got.push(b));
    d.write('GET /');
    d.end();
    call.emit('data', { port: 0, data: Buffer.from('200 OK') });
    call.emit('end');
    await new Promise((r) => d.once('end', r));
    assert.equal(Buffer.concat(got).toString(), '200 OK');
    assert.deepEqual((call.written[1] as PortForwardData).data, Buffer.from('GET /'));
    assert.equal(call.ended, true);
  });
});
