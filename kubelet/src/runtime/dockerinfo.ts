/**
 * The engine's version and host facts for the DockerRuntime (node status, the liveness check):
 * read in full now and then, pinged in between.
 */
import type Dockerode from 'dockerode';
import type { DockerCall } from './dockerimages.js';
import type { RuntimeInfo } from './runtime.js';

/** How often info() reads the engine's version and host facts again (in between it pings). */
const INFO_REFRESH_MS = 5 * 60_000;

export class DockerInfo {
  private last: { info: RuntimeInfo; at: number } | undefined;

  constructor(
    private readonly docker: Dockerode,
    private readonly call: DockerCall,
  ) {}

  /**
   * Between full reads (every INFO_REFRESH_MS) the engine is only pinged: its /info runs `runc
   * --version` and `docker-init --version` and counts every container and image, measured here at
   * 150–2000 ms during a burst, while /_ping costs it next to nothing.
   */
  async info(): Promise<RuntimeInfo> {
    const known = this.last;
    if (known && Date.now() - known.at < INFO_REFRESH_MS) {
      await this.call('ping', (abortSignal) =>
        (this.docker.ping as (o: object) => Promise<unknown>).call(this.docker, { abortSignal }),
      );
      return known.info;
    }
    const info = await this.readInfo();
    this.last = { info, at: Date.now() };
    return info;
  }

  private async readInfo(): Promise<RuntimeInfo> {
    const [version, info] = await Promise.all([
      this.call('version', (abortSignal) =>
        (this.docker.version as (o: object) => Promise<Dockerode.DockerVersion>).call(this.docker, { abortSignal }),
      ),
      this.call('info', (abortSignal) =>
        (this.docker.info as (o: object) => Promise<{ OperatingSystem?: string; KernelVersion?: string }>).call(
          this.docker,
          { abortSignal },
        ),
      ),
    ]);
    return {
      name: 'docker',
      version: version.Version,
      operatingSystem: info.OperatingSystem ?? '',
      kernelVersion: info.KernelVersion ?? version.KernelVersion ?? '',
    };
  }
}
