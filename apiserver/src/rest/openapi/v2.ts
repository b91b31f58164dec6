/**
 * OpenAPI v2 as the gnostic `openapi_v2.Document` protobuf (kubectl 1.27/1.28 read only this; later
 * versions fall back to it). Raw protobuf, no `k8s\0` envelope. Field numbers from gnostic's
 * OpenAPIv2.proto:
 *   Document{1 swagger, 2 info{1 title, 2 version}, 8 paths{2 path: NamedPathItem{1 name, 2 value: PathItem{8 patch}}}}
 *   Operation{8 parameters: ParametersItem{1 parameter: Parameter{2 non_body_parameter:
 *     NonBodyParameter{3 query_parameter_sub_schema: {2 in, 4 name, 6 type}}}}, 13 vendor_extension: NamedAny{1 name, 2 value: Any{2 yaml}}}
 * A JSON rendering of the same document is served to clients that ask for JSON.
 */
import { SERVED_VERSION } from '../version.js';
import { patchOperations, QUERY_PARAMS, type PatchOperation } from './operations.js';
import { Writer as ProtoWriter } from '@kubelab/proto/wire';

export const OPENAPI_V2_PROTO_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** The GVK extension value as the YAML text kubectl's verifier parses. */
export function gvkYaml(gvk: PatchOperation['gvk']): string {
  return `group: ${JSON.stringify(gvk.group)}\nkind: ${gvk.kind}\nversion: ${gvk.version}\n`;
}

function writeOperation(w: ProtoWriter, op: PatchOperation): void {
  for (const name of QUERY_PARAMS) {
    w.message(8, (item) =>
      item.message(1, (param) =>
        param.message(2, (nonBody) =>
          nonBody.message(3, (q) => {
            q.string(2, 'query').string(4, name).string(6, 'string');
          }),
        ),
      ),
    );
  }
  w.message(13, (ext) => {
    ext.string(1, 'x-kubernetes-group-version-kind').message(2, (any) => any.string(2, gvkYaml(op.gvk)));
  });
}

export function openapiV2Protobuf(): Buffer {
  const w = new ProtoWriter();
  w.string(1, '2.0');
  w.message(2, (info) => info.string(1, 'Kubernetes').string(2, SERVED_VERSION.gitVersion));
  w.message(8, (paths) => {
    for (const op of patchOperations()) {
      paths.message(2, (named) => {
        named.string(1, op.path).message(2, (item) => item.message(8, (o) => writeOperation(o, op)));
      });
    }
  });
  return w.finish();
}

export function openapiV2Json(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const op of patchOperations()) {
    paths[op.path] = {
      patch: {
        parameters: QUERY_PARAMS.map((name) => ({ name, in: 'query', type: 'string', uniqueItems: true })),
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-group-version-kind': op.gvk,
        'x-kubernetes-action': 'patch',
      },
    };
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: SERVED_VERSION.gitVersion }, paths, definitions: {} };
}
