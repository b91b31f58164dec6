/** TypeScript shapes of the messages in proto/kubelab.proto (as @grpc/proto-loader delivers them). */

export interface Target {
  resource: string;
  namespace: string;
  name: string;
}

export interface CreateRequest {
  target: Target;
  object: Buffer;
  dryRun: boolean;
  fieldManager: string;
}

export interface GetRequest {
  target: Target;
}

export interface ListRequest {
  target: Target;
  labelSelector: string;
  fieldSelector: string;
  limit: number;
  continue: string;
  resourceVersion: string;
}

export interface ListResponse {
  items: Buffer[];
  resourceVersion: string;
  continue: string;
}

export interface UpdateRequest {
  target: Target;
  object: Buffer;
  fieldManager: string;
}

export interface DeleteRequest {
  target: Target;
  propagationPolicy: string;
  hasGracePeriod: boolean;
  gracePeriodSeconds: number;
  preconditionUid: string;
  preconditionResourceVersion: string;
}

export interface WatchRequest {
  target: Target;
  labelSelector: string;
  fieldSelector: string;
  resourceVersion: string;
  allowBookmarks: boolean;
  timeoutSeconds: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: Buffer;
}

export interface BindRequest {
  namespace: string;
  name: string;
  nodeName: string;
  podUid: string;
}

export interface ObjectResponse {
  object: Buffer;
}
