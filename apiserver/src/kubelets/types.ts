/**
 * What the REST layer gets from the kubelets: the backends behind exec/attach/port-forward (the
 * interfaces rest/streams defines) and the options of a pods/log request (the Kubelet service's,
 * from @kubelab/proto).
 */
export type { ExecBackend, ExecRequest, ExecSession, PortForwardBackend } from '../rest/streams/types.js';
export type { PodLogOptions } from '@kubelab/proto';

export interface PodKey {
  namespace: string;
  name: string;
}
