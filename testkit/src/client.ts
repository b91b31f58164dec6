/** A small typed client of the lab's Kubernetes REST API (HTTPS with the lab's CA and admin token). */
import { apiRequest, type ApiAccess } from '@kubelab/cli/api-get';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  deletionTimestamp?: string;
}

export interface Pod {
  metadata: ObjectMeta;
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; restartCount: number; ready: boolean }[];
  };
}

export interface Deployment {
  metadata: ObjectMeta & { generation?: number };
  spec: { replicas?: number };
  status: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
  };
}

export interface Node {
  metadata: ObjectMeta;
  status: { conditions?: { type: string; status: string }[] };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class LabClient {
  constructor(readonly access: ApiAccess) {}

  async request<T>(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
    const r = await apiRequest(this.access, method, path, body, timeoutMs);
    if (!r) throw new ApiError(0, `${method} ${path}: the apiserver at ${this.access.url} does not answer`);
    if (r.status >= 300)
      throw new ApiError(
        r.status,
        `${method} ${path}: HTTP ${r.status}: ${(r.body as { message?: string })?.message ?? JSON.stringify(r.body)}`,
      );
    return r.body as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async list<T>(path: string, labelSelector?: string): Promise<T[]> {
    const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    return (await this.get<{ items: T[] }>(`${path}${q}`)).items;
  }

  pods(namespace = 'default', labelSelector?: string): Promise<Pod[]> {
    return this.list<Pod>(`/api/v1/namespaces/${namespace}/pods`, labelSelector);
  }

  deployment(name: string, namespace = 'default'): Promise<Deployment> {
    return this.get<Deployment>(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
  }

  nodes(): Promise<Node[]> {
    return this.list<Node>('/api/v1/nodes');
  }
}

export const isReady = (o: { status: { conditions?: { type: string; status: string }[] } }): boolean =>
  (o.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Every replica of the current generation updated and available. */
export function rolledOut(d: Deployment): boolean {
  const want = d.spec.replicas ?? 1;
  const s = d.status;
  return (
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    s.updatedReplicas === want &&
    s.availableReplicas === want &&
    s.replicas === want
  );
}
