/**
 * The Docker engine as the lab sees it: containers, networks and volumes found by label, images
 * by name. `DockerodeLab` talks to the engine; `FakeLabDocker` (docker-fake.ts) serves unit tests.
 */
import Docker from 'dockerode';

export interface LabContainer {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  labels: Record<string, string>;
  state: string;
  status: string;
  image: string;
  /** Published ports (container port → host address and port), where Docker lists them. */
  ports?: { private: number; public?: number; ip?: string }[];
}

export interface LabNetwork {
  id: string;
  name: string;
  labels: Record<string, string>;
  subnets: string[];
}

export interface LabVolume {
  name: string;
  labels: Record<string, string>;
}

export interface LabImage {
  id: string;
  labels: Record<string, string>;
}

export interface ContainerSpec {
  name: string;
  hostname: string;
  image: string;
  cmd: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  binds: string[];
  network: string;
}

export interface LabDocker {
  /** Every container (running or not) carrying all the given label filters (`key` or `key=value`). */
  containers(labels: string[]): Promise<LabContainer[]>;
  /** Force-removes a container with its anonymous volumes; a missing one is fine. */
  removeContainer(id: string): Promise<void>;
  networks(): Promise<LabNetwork[]>;
  removeNetwork(id: string): Promise<void>;
  volumes(labels: string[]): Promise<LabVolume[]>;
  removeVolume(name: string): Promise<void>;
  /** Creates and starts a container restarted unless stopped, with Docker's init as PID 1. */
  runContainer(spec: ContainerSpec): Promise<string>;
  image(name: string): Promise<LabImage | undefined>;
  tagImage(id: string, name: string): Promise<void>;
  /** Removes untagged images carrying the label filter (`key=value`); Docker keeps those in use. */
  pruneDanglingImages(label: string): Promise<void>;
  /** The last `lines` lines of a container's output. */
  logs(id: string, lines: number): Promise<string>;
}

const isNotFound = (err: unknown): boolean => (err as { statusCode?: number }).statusCode === 404;

export class DockerodeLab implements LabDocker {
  constructor(private readonly docker: Docker = new Docker()) {}

  async containers(labels: string[]): Promise<LabContainer[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: labels } });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      labels: c.Labels ?? {},
      state: c.State,
      status: c.Status,
      image: c.Image,
      ports: (c.Ports ?? []).map((p) => ({
        private: p.PrivatePort,
        ...(p.PublicPort ? { public: p.PublicPort } : {}),
        ...(p.IP ? { ip: p.IP } : {}),
      })),
    }));
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      // 409: removal already in progress, which ends the same way.
      if (!isNotFound(err) && (err as { statusCode?: number }).statusCode !== 409) throw err;
    }
  }

  async networks(): Promise<LabNetwork[]> {
    const list = await this.docker.listNetworks();
    return list.map((n) => ({
      id: n.Id,
      name: n.Name,
      labels: n.Labels ?? {},
      subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string'),
    }));
  }

  private async disconnectAll(id: string): Promise<void> {
    try {
      const net = this.docker.getNetwork(id);
      const info = (await net.inspect()) as { Containers?: Record<string, unknown> };
      for (const container of Object.keys(info.Containers ?? {}))
        await net.disconnect({ Container: container, Force: true }).catch(() => undefined);
    } catch {
      // best effort: the next attempt says what is left
    }
  }

  async removeNetwork(id: string): Promise<void> {
    // Docker 20.10 sometimes keeps endpoints of just-removed containers for a moment, or for good.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.docker.getNetwork(id).remove();
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        const msg = err instanceof Error ? err.message : String(err);
        if (!msg.includes('active endpoints')) throw err;
        if (attempt >= 5) {
          throw new Error(
            `Docker network ${id} still has endpoints of removed containers (a known Docker engine bug): restart the Docker engine, then run \`./kubelab down\` again`,
          );
        }
        // The lab's own network: whatever is still attached (a pod container a kubelet was
        // creating as it stopped, or a stale endpoint) is cut off by force.
        await this.disconnectAll(id);
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
  }

  async volumes(labels: string[]): Promise<LabVolume[]> {
    const res = await this.docker.listVolumes({ filters: { label: labels } });
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async runContainer(spec: ContainerSpec): Promise<string> {
    const container = await this.docker.createContainer({
      name: spec.name,
      Hostname: spec.hostname,
      Image: spec.image,
      Cmd: spec.cmd,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      HostConfig: {
        Binds: spec.binds,
        NetworkMode: spec.network,
        RestartPolicy: { Name: 'unless-stopped' },
        Init: true,
      },
    });
    await container.start();
    return container.id;
  }

  async image(name: string): Promise<LabImage | undefined> {
    try {
      const info = await this.docker.getImage(name).inspect();
      return { id: info.Id, labels: info.Config?.Labels ?? {} };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async tagImage(id: string, name: string): Promise<void> {
    const at = name.lastIndexOf(':');
    const [repo, tag] = at > name.lastIndexOf('/') ? [name.slice(0, at), name.slice(at + 1)] : [name, 'latest'];
    await this.docker.getImage(id).tag({ repo, tag });
  }

  async pruneDanglingImages(label: string): Promise<void> {
    await this.docker.pruneImages({ filters: { dangling: ['true'], label: [label] } });
  }

  async logs(id: string, lines: number): Promise<string> {
    const container = this.docker.getContainer(id);
    const buf = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demux(buf);
  }
}

/** Docker's multiplexed log format (8-byte frame headers) to plain text; plain text passes through. */
export function demux(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const stream = buf[at];
    if (stream !== 0 && stream !== 1 && stream !== 2) return buf.toString();
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return at === 0 ? buf.toString() : Buffer.concat(parts).toString();
}
