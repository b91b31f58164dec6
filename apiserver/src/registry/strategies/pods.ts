/** Pods start Pending with their QoS class; status is the kubelet's (kept on update). */
import { podQOSClass, type KubeObject } from '@kubelab/api';
import type { Strategy } from '../strategy.js';

export const podStrategy: Strategy = {
  prepareForCreate(pod: KubeObject): void {
    pod.status = { phase: 'Pending', qosClass: podQOSClass(pod.spec) };
  },
};
