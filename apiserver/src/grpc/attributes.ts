/**
 * The authorization attributes of a gRPC call: the method is the verb (Create create, Get get,
 * List list, Watch watch, Update update, UpdateStatus update of <resource>/status, Delete delete,
 * Bind create of pods/binding, Create of "serviceaccounts/token" create of that subresource of the named
 * ServiceAccount), the target names resource, namespace and name; the API group is the
 * resource's own (the gRPC API names resources by their plural alone).
 */
import { resourceInfo } from '@kubelab/api';
import { type Attributes, resourceAttributes } from '../auth/attributes.js';
import type { UserInfo } from '../auth/user.js';

export type GrpcMethod = 'Create' | 'Get' | 'List' | 'Watch' | 'Update' | 'UpdateStatus' | 'Delete' | 'Bind';

const VERB: Record<GrpcMethod, string> = {
  Create: 'create',
  Get: 'get',
  List: 'list',
  Watch: 'watch',
  Update: 'update',
  UpdateStatus: 'update',
  Delete: 'delete',
  Bind: 'create',
};

/** A list or watch of one object by name (`metadata.name=x`) is authorized as that object, as on REST. */
const ONE = /^metadata\.name==?([^,=!]+)$/;

export function grpcAttributes(
  user: UserInfo,
  method: GrpcMethod,
  target: { resource: string; namespace: string; name: string },
  fieldSelector = '',
): Attributes {
  // A Create of "<resource>/<subresource>" (serviceaccounts/token) is a create of that subresource of the named object.
  const [base = '', sub = ''] = target.resource.split('/', 2);
  const resource = method === 'Bind' ? 'pods' : base;
  const info = resourceInfo(resource);
  const subresource = method === 'UpdateStatus' ? 'status' : method === 'Bind' ? 'binding' : sub;
  const selects = method === 'List' || method === 'Watch';
  const name = selects ? (ONE.exec(fieldSelector)?.[1] ?? '') : method === 'Create' && !sub ? '' : target.name;
  return resourceAttributes(user, VERB[method], {
    apiGroup: info?.group ?? '',
    apiVersion: info?.version ?? '',
    resource,
    subresource,
    namespace: target.namespace,
    name,
  });
}
