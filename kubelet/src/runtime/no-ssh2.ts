/**
 * docker-modem (under dockerode) loads ssh2 as it is loaded itself, for a DOCKER_HOST of ssh://:
 * ~5 MB of memory and ~40 ms of CPU at the start of every kubelet, which talks to the engine over
 * its unix socket. Imported before dockerode (main.ts), this module answers docker-modem's
 * `require('ssh2')` with a stand-in whose Client says what to do, unless DOCKER_HOST is ssh://.
 */
import { Module, createRequire } from 'node:module';

if (!/^ssh:/i.test(process.env.DOCKER_HOST ?? '')) {
  try {
    const from = (path: string, name: string): string => createRequire(path).resolve(name);
    const ssh2 = from(from(from(import.meta.url, 'dockerode'), 'docker-modem'), 'ssh2');
    const standIn = new Module(ssh2);
    standIn.filename = ssh2;
    standIn.loaded = true;
    standIn.exports = {
      Client: class {
        constructor() {
          throw new Error(
            'DOCKER_HOST: ssh:// was not set when the kubelet started; set it in its environment to reach an engine over ssh',
          );
        }
      },
    };
    createRequire(import.meta.url).cache[ssh2] = standIn;
  } catch {
    // another layout of node_modules: docker-modem loads the real ssh2
  }
}
