/** Valid objects of every kind the lab serves: the seeds the fuzzer mutates. */
import type { Random } from './random.js';

export interface Seed {
  /** The collection URL, without the namespace part for namespaced kinds. */
  resource: string;
  group: string;
  version: string;
  namespaced: boolean;
  make(name: string): Record<string, unknown>;
}

const container = (name = 'c'): Record<string, unknown> => ({
  name,
  image: 'busybox:1.36',
  command: ['sh', '-c', 'sleep 3600'],
  ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
  env: [
    { name: 'A', value: '1' },
    { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ],
  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
  readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
  volumeMounts: [{ name: 'data', mountPath: '/data' }],
});

const podSpec = (): Record<string, unknown> => ({
  containers: [container()],
  initContainers: [{ name: 'init', image: 'busybox', command: ['true'] }],
  volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }],
  tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
  affinity: {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 1,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } },
        },
      ],
    },
  },
  terminationGracePeriodSeconds: 5,
});

const meta = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  labels: { app: name, fuzz: 'yes' },
  annotations: { note: 'seed' },
  ...extra,
});
const template = (name: string): Record<string, unknown> => ({
  metadata: { labels: { app: name, fuzz: 'yes' } },
  spec: podSpec(),
});
const selector = (name: string): Record<string, unknown> => ({ matchLabels: { app: name } });

const ns = (resource: string, group: string, version: string, make: Seed['make']): Seed => ({
  resource,
  group,
  version,
  namespaced: true,
  make,
});

export const SEEDS: readonly Seed[] = [
  ns('pods', '', 'v1', (n) => ({ apiVersion: 'v1', kind: 'Pod', metadata: meta(n), spec: podSpec() })),
  ns('configmaps', '', 'v1', (n) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(n),
    data: { 'a.conf': 'x=1\n', b: 'two' },
  })),
  ns('secrets', '', 'v1', (n) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(n),
    type: 'Opaque',
    data: { password: 'aHVudGVyMg==' },
    stringData: { user: 'me' },
  })),
  ns('services', '', 'v1', (n) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(n),
    spec: { selector: { app: n }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  })),
  ns('serviceaccounts', '', 'v1', (n) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(n) })),
  ns('endpoints', '', 'v1', (n) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta(n),
    subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }],
  })),
  ns('events', '', 'v1', (n) => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: meta(n),
    involvedObject: { kind: 'Pod', name: 'p' },
    reason: 'Fuzz',
    message: 'hello',
    type: 'Normal',
    count: 1,
  })),
  ns('deployments', 'apps', 'v1', (n) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(n),
    spec: {
      replicas: 0,
      selector: selector(n),
      template: template(n),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    },
  })),
  ns('replicasets', 'apps', 'v1', (n) => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: meta(n),
    spec: { replicas: 0, selector: selector(n), template: template(n) },
  })),
  ns('statefulsets', 'apps', 'v1', (n) => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(n),
    spec: {
      replicas: 0,
      serviceName: n,
      selector: selector(n),
      template: template(n),
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  })),
  ns('daemonsets', 'apps', 'v1', (n) => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta(n),
    spec: {
      selector: selector(n),
      template: { ...template(n), spec: { ...podSpec(), nodeSelector: { none: 'none' } } },
    },
  })),
  ns('jobs', 'batch', 'v1', (n) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(n),
    spec: { suspend: true, backoffLimit: 1, template: { spec: { ...podSpec(), restartPolicy: 'Never' } } },
  })),
  ns('cronjobs', 'batch', 'v1', (n) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta(n),
    spec: {
      schedule: '*/5 * * * *',
      suspend: true,
      jobTemplate: { spec: { template: { spec: { ...podSpec(), restartPolicy: 'OnFailure' } } } },
    },
  })),
  ns('leases', 'coordination.k8s.io', 'v1', (n) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: meta(n),
    spec: { holderIdentity: 'me', leaseDurationSeconds: 15 },
  })),
  ns('ingresses', 'networking.k8s.io', 'v1', (n) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(n),
    spec: {
      rules: [
        {
          host: 'a.example',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: n, port: { number: 80 } } } }] },
        },
      ],
    },
  })),
  ns('poddisruptionbudgets', 'policy', 'v1', (n) => ({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(n),
    spec: { minAvailable: 1, selector: selector(n) },
  })),
  ns('horizontalpodautoscalers', 'autoscaling', 'v2', (n) => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(n),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: n },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '500m' } } },
      ],
    },
  })),
  ns('endpointslices', 'discovery.k8s.io', 'v1', (n) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(n),
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.2'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  })),
  {
    resource: 'namespaces',
    group: '',
    version: 'v1',
    namespaced: false,
    make: (n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(n) }),
  },
  {
    resource: 'nodes',
    group: '',
    version: 'v1',
    namespaced: false,
    make: (n) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: meta(n),
      spec: { taints: [{ key: 'fuzz', effect: 'NoSchedule' }] },
      status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' } },
    }),
  },
];

/** The collection path of a seed's kind in `namespace`. */
export function collectionPath(s: Seed, namespace: string): string {
  const base = s.group ? `/apis/${s.group}/${s.version}` : `/api/${s.version}`;
  return s.namespaced ? `${base}/namespaces/${namespace}/${s.resource}` : `${base}/${s.resource}`;
}

export function pickSeed(r: Random): Seed {
  return r.pick(SEEDS);
}
