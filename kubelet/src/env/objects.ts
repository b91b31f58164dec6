/** Where env values come from outside the pod: ConfigMaps, Secrets and Services, read through the API. */
import type { KubeObject, Service } from '@kubelab/api';
import { isReason } from '../api.js';

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

export class ApiEnvObjects implements EnvObjects {
  constructor(private readonly api: EnvApi) {}

  private async read(resource: string, namespace: string, name: string): Promise<DataObject | undefined> {
    try {
      return await this.api.get<DataObject>(resource, namespace, name);
    } catch (err) {
      if (isReason(err, 'NotFound')) return undefined;
      throw err;
    }
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
    return (await this.api.list<Service>('services', { namespace })).items;
  }

  async service(namespace: string, name: string): Promise<Service | undefined> {
    try {
      return await this.api.get<Service>('services', namespace, name);
    } catch (err) {
      if (isReason(err, 'NotFound')) return undefined;
      throw err;
    }
  }
}
