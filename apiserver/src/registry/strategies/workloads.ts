/** Deployments and ReplicaSets start with an empty status (the controllers fill it). */
import type { KubeObject } from '@kubelab/api';
import type { Strategy } from '../strategy.js';

export const workloadStrategy: Strategy = {
  prepareForCreate(obj: KubeObject): void {
    obj.status = {};
  },
};
