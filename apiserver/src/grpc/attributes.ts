/**
 * The authorization attributes of a gRPC call: the method is the verb (Create create, Get get,
 * List list, Watch watch, Update update, UpdateStatus update of <resource>/status, Delete delete,
 * Bind create of pods/binding), the target names resource, namespace and name; the API group is the
 * resource's own (the gRPC API names resources by their plural alone).
 */
import { resourceInfo } from '@kubelab/api';
import { type Attributes, resourceAttributes } from '../auth/attributes.js';
import type { UserInfo } from '../auth/user.js';

export type GrpcMethod = 'Create' | 'Get' | 'List' | 'Watch' | 'Update' | 'UpdateStatus' | 'Delete' | 'Bind';

const VERB: Record<GrpcMethod, string> = { Create: 'create', Get: 'get', List: 'list', Watch: 'watch', Update: 'update', UpdateStatus: 'update', Delete: 'delete', Bind: 'create' };

export function grpcAttributes(user: UserInfo, method: GrpcMethod, target: { resource: string; namespace: string; name: string }): Attributes {
  const resource = method === 'Bind' ? 'pods' : target.resource;
  const info = resourceInfo(resource);
  const subresource = method === 'UpdateStatus' ? 'status' : method === 'Bind' ? 'binding' : '';
  const name = method === 'Create' || method === 'List' || method === 'Watch' ? '' : target.name;
  return resourceAttributes(user, VERB[method], { apiGroup: info?.group ?? '', apiVersion: info?.version ?? '', resource, subresource, namespace: target.namespace, name });
}
