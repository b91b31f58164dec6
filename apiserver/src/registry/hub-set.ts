/** The watch hubs (watch caches) of a registry: one per storage prefix, created on first use. */
import type { KubeObject } from '@kubelab/api';
import type { Store } from '../storage/store.js';
import { WatchHub, type HubOptions } from './hub.js';

type Decode = (value: Buffer, rev: number) => KubeObject;

export class HubSet {
  private readonly hubs = new Map<string, WatchHub>();
  constructor(
    private readonly store: Store,
    private readonly decode: Decode,
    private readonly opts: HubOptions,
  ) {}

  get(prefix: string): WatchHub {
    let hub = this.hubs.get(prefix);
    if (!hub) {
      hub = new WatchHub(this.store, prefix, this.decode, this.opts);
      this.hubs.set(prefix, hub);
    }
    return hub;
  }

  stopAll(): void {
    for (const hub of this.hubs.values()) hub.stop();
  }
}
