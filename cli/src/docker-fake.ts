/** An in-memory LabDocker for unit tests: records what was removed and run. */
import type { ContainerSpec, LabContainer, LabDocker, LabImage, LabNetwork, LabVolume } from './docker.js';

function matches(labels: Record<string, string>, filters: string[]): boolean {
  return filters.every((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

export class FakeLabDocker implements LabDocker {
  containerList: LabContainer[] = [];
  networkList: LabNetwork[] = [];
  volumeList: LabVolume[] = [];
  images = new Map<string, LabImage>();
  /** Every mutating call, in order, e.g. "rm container c1", "rm network n1", "run node-1". */
  readonly calls: string[] = [];

  async containers(labels: string[]): Promise<LabContainer[]> {
    return this.containerList.filter((c) => matches(c.labels, labels));
  }
  async removeContainer(id: string): Promise<void> {
    this.calls.push(`rm container ${id}`);
    this.containerList = this.containerList.filter((c) => c.id !== id);
  }
  async networks(): Promise<LabNetwork[]> {
    return [...this.networkList];
  }
  async removeNetwork(id: string): Promise<void> {
    this.calls.push(`rm network ${id}`);
    this.networkList = this.networkList.filter((n) => n.id !== id);
  }
  async volumes(labels: string[]): Promise<LabVolume[]> {
    return this.volumeList.filter((v) => matches(v.labels, labels));
  }
  async removeVolume(name: string): Promise<void> {
    this.calls.push(`rm volume ${name}`);
    this.volumeList = this.volumeList.filter((v) => v.name !== name);
  }
  async runContainer(spec: ContainerSpec): Promise<string> {
    this.calls.push(`run ${spec.name}`);
    this.containerList.push({
      id: spec.name,
      name: spec.name,
      labels: spec.labels,
      state: 'running',
      status: 'Up',
      image: spec.image,
    });
    return spec.name;
  }
  async image(name: string): Promise<LabImage | undefined> {
    return this.images.get(name);
  }
  async tagImage(id: string, name: string): Promise<void> {
    this.calls.push(`tag ${id} ${name}`);
    const found = [...this.images.values()].find((i) => i.id === id);
    if (found) this.images.set(name, found);
  }
  async pruneDanglingImages(label: string): Promise<void> {
    this.calls.push(`prune images ${label}`);
  }
  async logs(): Promise<string> {
    return '';
  }
}
