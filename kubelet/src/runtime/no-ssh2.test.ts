import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import './no-ssh2.js';

test("docker-modem gets the ssh2 stand-in, and Dockerode still works on the socket's terms", async () => {
  const require = createRequire(import.meta.url);
  const modemPath = createRequire(require.resolve('dockerode')).resolve('docker-modem');
  const ssh2 = createRequire(modemPath)('ssh2') as { Client: new () => unknown };
  assert.throws(() => new ssh2.Client(), /DOCKER_HOST: ssh:\/\//);
  assert.ok(
    !Object.keys(require.cache).some((k) => /node_modules\/ssh2\/lib\/(client|protocol)/.test(k)),
    'the real ssh2 is not loaded',
  );
  const Dockerode = (await import('dockerode')).default;
  assert.equal(typeof new Dockerode({ socketPath: '/nonexistent.sock' }).listContainers, 'function');
});
