/**
 * Where env values and volume contents come from outside the pod: ConfigMaps, Secrets and
 * Services, read through the API or, with WatchedReads, from watches as upstream's kubelet does.
 * Like upstream's kubelet, a running pod does not depend on the apiserver being up: when a read
 * fails for any reason but NotFound (the apiserver is down, restarting or cut off), the last
 * answer read for the same object is used instead, so containers are still restarted and volumes
 * kept while it is away. Only a pod whose objects were never read fails
 * (CreateContainerConfigError, FailedMount).
 */
import type { KubeObject, Service } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { isReason } from '../api.js';
import type { WatchedReads } from './watched.js';

export interface EnvObjects {
  /** The ConfigMap's data (binaryData decoded as UTF-8); undefined when it does not exist. */
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The Secret's data, base64-decoded; undefined when it does not exist. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** Services of the namespace. */
  services(namespace: string): Promise<Service[]>;
  /** One service, undefined when missing. */
  service(namespace: string, name: string): Promise<Service | undefined>;
}

/** What ApiEnvObjects needs of the API client (ApiClient satisfies it structurally). */
export interface EnvApi {
  get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T>;
  list<T extends KubeObject>(resource: string, opts?: { namespace?: string }): Promise<{ items: T[] }>;
}

interface DataObject extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

function b64(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

/** Objects remembered at most (the oldest read goes first). */
const LAST_KNOWN_MAX = 4096;

export class ApiEnvObjects implements EnvObjects {
  /** The last successful answer per read ("configmaps/ns/name", "services/ns"); NotFound forgets it. */
  private readonly lastKnown = new Map<string, unknown>();

  /** With `watched`, reads are served from watches (the API is called for the first read only). */
  constructor(
    private readonly api: EnvApi,
    private readonly watched?: WatchedReads,
  ) {}

  /** Runs a read; on NotFound answers undefined, on any other failure the last answer if there is one. */
  private async remembered<T>(key: string, fetch: () => Promise<T>): Promise<T | undefined> {
    try {
      const v = await fetch();
      this.lastKnown.delete(key); // re-inserted last: the map's order is the age of the reads
      if (this.lastKnown.size >= LAST_KNOWN_MAX) this.lastKnown.delete(this.lastKnown.keys().next().value as string);
      this.lastKnown.set(key, v);
      return v;
    } catch (err) {
      if (isReason(err, 'NotFound')) {
        this.lastKnown.delete(key);
        return undefined;
      }
      if (this.lastKnown.has(key)) return this.lastKnown.get(key) as T;
      throw err;
    }
  }

  private read(resource: string, namespace: string, name: string): Promise<DataObject | undefined> {
    const watched = this.watched;
    return this.remembered(
      `${resource}/${namespace}/${name}`,
      watched
        ? async () => {
            const [o] = await watched.read(resource, namespace, `metadata.name=${name}`);
            if (!o) throw new ApiError('NotFound', `${resource} "${name}" not found`);
            return o as DataObject;
          }
        : () => this.api.get<DataObject>(resource, namespace, name),
    );
  }

  private async listServices(namespace: string): Promise<Service[]> {
    if (this.watched) return (await this.watched.read('services', namespace)) as Service[];
    return (await this.api.list<Service>('services', { namespace })).items;
  }

  async configMap(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const o = await this.read('configmaps', namespace, name);
    if (!o) return undefined;
    const out: Record<string, string> = { ...(o.data ?? {}) };
    for (const [k, v] of Object.entries(o.binaryData ?? {})) out[k] = b64(v);
    return out;
  }

  async secret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const o = await this.read('secrets', namespace, name);
    if (!o) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.data ?? {})) out[k] = b64(v);
    return out;
  }

  async services(namespace: string): Promise<Service[]> {
    return (await this.remembered(`services/${namespace}`, () => this.listServices(namespace))) ?? [];
  }

  service(namespace: string, name: string): Promise<Service | undefined> {
    const watched = this.watched;
    return this.remembered(
      `services/${namespace}/${name}`,
      watched
        ? async () => {
            const svc = (await this.listServices(namespace)).find((s) => s.metadata.name === name);
            if (!svc) throw new ApiError('NotFound', `services "${name}" not found`);
            return svc;
          }
        : () => this.api.get<Service>('services', namespace, name),
    );
  }
}
