/**
 * The metrics.k8s.io/v1beta1 resources (what metrics-server serves upstream): read-only NodeMetrics
 * and PodMetrics, listed in discovery next to the stored resources but served from kubelet stats.
 */
import type { ResourceInfo } from '@kubelab/api';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

const READ = ['get', 'list'];

export const METRICS_RESOURCES: ResourceInfo[] = [
  {
    resource: 'nodes',
    singular: '',
    kind: 'NodeMetrics',
    listKind: 'NodeMetricsList',
    group: METRICS_GROUP,
    version: METRICS_VERSION,
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: READ,
    subresources: [],
  },
  {
    resource: 'pods',
    singular: '',
    kind: 'PodMetrics',
    listKind: 'PodMetricsList',
    group: METRICS_GROUP,
    version: METRICS_VERSION,
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: READ,
    subresources: [],
  },
];
