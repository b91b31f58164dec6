import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import {
  OomNotices,
  memoryOf,
  toDockerLogOptions,
  toEvent,
  toRuntimeContainer,
  toRuntimeError,
  toStatsSample,
} from './dockerconvert.js';
import { drainProgress, jsonLines } from './jsonlines.js';

function info(
  state: Partial<Dockerode.ContainerInspectInfo['State']>,
  extra: Record<string, unknown> = {},
): Dockerode.ContainerInspectInfo {
  return {
    Id: 'abc123',
    Name: '/k8s_app_web_default_12345678_0',
    Created: '2026-01-01T00:00:00.5Z',
    Image: 'sha256:img',
    Config: {
      Image: 'img:1',
      Labels: { 'io.kubernetes.container.name': 'app', 'io.kubelab.restart-count': '2', 'io.kubernetes.pod.uid': 'u1' },
    },
    HostConfig: { NetworkMode: 'container:pause999' },
    NetworkSettings: { Networks: {} },
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: '2026-01-01T00:00:01Z',
      FinishedAt: '0001-01-01T00:00:00Z',
      ...state,
    },
    ...extra,
  } as unknown as Dockerode.ContainerInspectInfo;
}

describe('docker inspect → runtime container', () => {
  it('maps a running app container', () => {
    const c = toRuntimeContainer(info({}), 'docker-pullable://img@sha256:1');
    assert.equal(c.state, 'running');
    assert.equal(c.name, 'k8s_app_web_default_12345678_0');
    assert.equal(c.containerName, 'app');
    assert.equal(c.restartCount, 2);
    assert.equal(c.podUid, 'u1');
    assert.equal(c.sandboxId, 'pause999');
    assert.equal(c.finishedAt, undefined, 'the zero time means never');
    assert.equal(c.imageRef, 'docker-pullable://img@sha256:1');
  });

  it('an exited container carries code, times and OOM', () => {
    const c = toRuntimeContainer(
      info({ Status: 'exited', ExitCode: 137, OOMKilled: true, FinishedAt: '2026-01-01T00:01:00Z' }),
      'x',
    );
    assert.equal(c.state, 'exited');
    assert.equal(c.exitCode, 137);
    assert.equal(c.oomKilled, true);
    assert.equal(c.finishedAt, '2026-01-01T00:01:00Z');
  });

  it("an oom event after the exit (the engine's record says false) still makes a 137 OOMKilled", () => {
    const exited = (code: number) => toRuntimeContainer(info({ Status: 'exited', ExitCode: code }), 'x');
    const ooms = new OomNotices(2);
    assert.equal(ooms.apply(exited(137)).oomKilled, false, 'no oom event seen');
    ooms.add('abc123');
    assert.equal(ooms.apply(exited(137)).oomKilled, true);
    assert.equal(ooms.apply(exited(1)).oomKilled, false, 'an exit of its own is not an OOM kill');
    assert.equal(ooms.apply(toRuntimeContainer(info({}), 'x')).oomKilled, undefined, 'a running one is left alone');
    ooms.add('b');
    ooms.add('c');
    assert.equal(ooms.apply(exited(137)).oomKilled, false, 'the oldest notice goes first');
  });

  it('a container whose start failed counts as exited with the error', () => {
    const c = toRuntimeContainer(
      info({
        Status: 'created',
        ExitCode: 0,
        Error: 'exec: "nope": executable file not found',
        StartedAt: '0001-01-01T00:00:00Z',
      }),
      'x',
    );
    assert.equal(c.state, 'exited');
    assert.equal(c.exitCode, 128);
    assert.match(c.startError ?? '', /executable file not found/);
    assert.equal(c.finishedAt, '2026-01-01T00:00:00.5Z');
    assert.equal(
      toRuntimeContainer(info({ Status: 'created', StartedAt: '0001-01-01T00:00:00Z' }), 'x').state,
      'created',
    );
  });

  it('sandbox IPs per network', () => {
    const c = toRuntimeContainer(
      info(
        {},
        {
          HostConfig: { NetworkMode: 'kubelab' },
          NetworkSettings: { Networks: { kubelab: { IPAddress: '10.244.0.9' }, none: { IPAddress: '' } } },
        },
      ),
      'x',
    );
    assert.deepEqual(c.networks, { kubelab: '10.244.0.9' });
    assert.equal(c.sandboxId, undefined);
  });
});

describe('docker events and errors', () => {
  it('reads container events with their pod labels', () => {
    const ev = toEvent({
      Type: 'container',
      Action: 'die',
      Actor: {
        ID: 'abc',
        Attributes: { 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.container.name': 'app', exitCode: '1' },
      },
      time: 1,
      timeNano: 1_700_000_000_123_456_789,
    });
    assert.deepEqual(ev, { type: 'die', id: 'abc', podUid: 'u1', containerName: 'app', time: 1_700_000_000_123 });
    assert.equal(toEvent({ Type: 'container', Action: 'exec_start: sh', Actor: { ID: 'abc' } }), undefined);
  });

  it("keeps the daemon's message and status code", () => {
    const e = toRuntimeError(
      'create web',
      Object.assign(new Error('(HTTP code 409) unexpected - Conflict '), {
        statusCode: 409,
        json: { message: 'Conflict. The container name "/web" is already in use' },
      }),
    );
    assert.equal(e.status, 409);
    assert.equal(e.message, 'docker create web: Conflict. The container name "/web" is already in use');
  });

  it('splits JSON lines across chunk boundaries, and surfaces progress errors', async () => {
    const out = [];
    for await (const o of jsonLines(Readable.from([Buffer.from('{"a":1}\n{"b"'), Buffer.from(':2}\n\n{"c":3}')])))
      out.push(o);
    assert.deepEqual(out, [{ a: 1 }, { b: 2 }, { c: 3 }]);
    await assert.rejects(
      drainProgress(
        Readable.from([
          Buffer.from(
            '{"status":"Pulling"}\n{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}\n',
          ),
        ]),
      ),
      /manifest unknown/,
    );
  });

  it('a container made with a terminal says so', () => {
    assert.equal(toRuntimeContainer(info({}), 'ref').tty, undefined);
    assert.equal(toRuntimeContainer(info({}, { Config: { Image: 'img:1', Labels: {}, Tty: true } }), 'ref').tty, true);
  });

  it('log options: tail, since in whole unix seconds', () => {
    assert.deepEqual(
      toDockerLogOptions({
        follow: true,
        timestamps: true,
        tailLines: 3,
        sinceMs: Date.parse('2026-01-01T00:00:30.5Z'),
      }),
      {
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: true,
        tail: 3,
        since: Date.parse('2026-01-01T00:00:30Z') / 1000,
      },
    );
    assert.deepEqual(toDockerLogOptions({ follow: false, timestamps: false }), {
      follow: false,
      stdout: true,
      stderr: true,
      timestamps: false,
    });
  });

  it('stats: working set = usage - inactive_file (cgroup v2 and v1 names), never negative; the read time', () => {
    assert.deepEqual(memoryOf({ memory_stats: { usage: 1000, stats: { inactive_file: 300 } } }), {
      usageBytes: 1000,
      workingSetBytes: 700,
    });
    assert.equal(memoryOf({ memory_stats: { usage: 1000, stats: { total_inactive_file: 100 } } }).workingSetBytes, 900);
    assert.equal(memoryOf({ memory_stats: { usage: 10, stats: { inactive_file: 300 } } }).workingSetBytes, 0);
    const s = toStatsSample(
      { read: '2026-01-01T00:00:10Z', cpu_stats: { cpu_usage: { total_usage: 42 } }, memory_stats: { usage: 5 } },
      7,
    );
    assert.deepEqual(s, {
      timestamp: Date.parse('2026-01-01T00:00:10Z'),
      cpuUsageCoreNanoSeconds: 42,
      memory: { usageBytes: 5, workingSetBytes: 5 },
    });
    assert.equal(toStatsSample({ read: '0001-01-01T00:00:00Z' }, 7).timestamp, 7, 'a zero read time: now');
  });
});
