import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Dockerode from 'dockerode';
import pino from 'pino';
import { DockerRuntime } from './docker.js';

/** The three engine calls info() may make, counted; `down` makes them fail like a stopped engine. */
function engine() {
  const calls = { version: 0, info: 0, ping: 0 };
  let down = false;
  const answer =
    <T>(key: keyof typeof calls, v: T) =>
    () => {
      calls[key]++;
      return down
        ? Promise.reject(Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }))
        : Promise.resolve(v);
    };
  const docker = {
    version: answer('version', { Version: '20.10.24', KernelVersion: '6.1.0' }),
    info: answer('info', { OperatingSystem: 'Debian GNU/Linux 12', KernelVersion: '6.1.0' }),
    ping: answer('ping', 'OK'),
  } as unknown as Dockerode;
  return { docker, calls, stop: () => (down = true) };
}

describe('DockerRuntime.info', () => {
  it("reads the engine's facts once, then only pings it; a stopped engine fails the check", async () => {
    const e = engine();
    const rt = new DockerRuntime({
      docker: e.docker,
      cluster: 'c',
      node: 'n',
      network: 'net',
      pauseImage: 'p',
      pauseCommand: ['sleep'],
      log: pino({ level: 'silent' }),
    });
    const first = await rt.info();
    assert.deepEqual(first, {
      name: 'docker',
      version: '20.10.24',
      operatingSystem: 'Debian GNU/Linux 12',
      kernelVersion: '6.1.0',
    });
    assert.deepEqual(await rt.info(), first);
    assert.deepEqual(await rt.info(), first);
    assert.deepEqual(e.calls, { version: 1, info: 1, ping: 2 });
    e.stop();
    await assert.rejects(rt.info(), /ENOENT/);
  });
});
