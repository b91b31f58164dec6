import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { parse as parseYaml } from 'yaml';
import { SERVED_RESOURCES } from '../served.js';
import { gvkYaml, openapiV2Json, openapiV2Protobuf } from './v2.js';
import { openapiV3Document, openapiV3Index, parseV3Key } from './v3.js';
import { contentHash, gvKey, patchOperations } from './operations.js';
import { groupVersions } from '../discovery.js';
import { Writer as ProtoWriter } from '@kubelab/proto/wire';

// The subset of gnostic's openapi_v2 schema (OpenAPIv2.proto) that kubectl's verifier reads,
// written independently of the encoder so that decoding checks the field numbers.
const GNOSTIC = {
  nested: {
    Document: {
      fields: { swagger: { type: 'string', id: 1 }, info: { type: 'Info', id: 2 }, paths: { type: 'Paths', id: 8 } },
    },
    Info: { fields: { title: { type: 'string', id: 1 }, version: { type: 'string', id: 2 } } },
    Paths: { fields: { path: { rule: 'repeated', type: 'NamedPathItem', id: 2 } } },
    NamedPathItem: { fields: { name: { type: 'string', id: 1 }, value: { type: 'PathItem', id: 2 } } },
    PathItem: { fields: { get: { type: 'Operation', id: 2 }, patch: { type: 'Operation', id: 8 } } },
    Operation: {
      fields: {
        parameters: { rule: 'repeated', type: 'ParametersItem', id: 8 },
        vendorExtension: { rule: 'repeated', type: 'NamedAny', id: 13 },
      },
    },
    ParametersItem: { fields: { parameter: { type: 'Parameter', id: 1 } } },
    Parameter: {
      fields: { bodyParameter: { type: 'string', id: 1 }, nonBodyParameter: { type: 'NonBodyParameter', id: 2 } },
    },
    NonBodyParameter: { fields: { queryParameterSubSchema: { type: 'QueryParameterSubSchema', id: 3 } } },
    QueryParameterSubSchema: {
      fields: {
        required: { type: 'bool', id: 1 },
        in: { type: 'string', id: 2 },
        name: { type: 'string', id: 4 },
        type: { type: 'string', id: 6 },
      },
    },
    NamedAny: { fields: { name: { type: 'string', id: 1 }, value: { type: 'Any', id: 2 } } },
    Any: { fields: { yaml: { type: 'string', id: 2 } } },
  },
};

interface Decoded {
  swagger: string;
  info: { title: string; version: string };
  paths: {
    path: {
      name: string;
      value: {
        patch: {
          parameters: {
            parameter: { nonBodyParameter: { queryParameterSubSchema: { in: string; name: string; type: string } } };
          }[];
          vendorExtension: { name: string; value: { yaml: string } }[];
        };
      };
    }[];
  };
}

test('protobuf writer: varints, strings, nested messages', () => {
  const bytes = new ProtoWriter()
    .uint(1, 300)
    .string(2, 'hi')
    .message(3, (w) => w.bool(1, true))
    .finish();
  assert.deepEqual([...bytes], [0x08, 0xac, 0x02, 0x12, 0x02, 0x68, 0x69, 0x1a, 0x02, 0x08, 0x01]);
  assert.throws(() => new ProtoWriter().uint(1, -1));
});

test('OpenAPI v2 protobuf decodes as a gnostic Document with a PATCH per resource', () => {
  const Document = protobuf.Root.fromJSON(GNOSTIC).lookupType('Document');
  const doc = Document.toObject(Document.decode(openapiV2Protobuf())) as Decoded;
  assert.equal(doc.swagger, '2.0');
  assert.equal(doc.info.title, 'Kubernetes');
  assert.equal(doc.paths.path.length, SERVED_RESOURCES.length);
  const deploy = doc.paths.path.find((p) => p.name === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
  assert.ok(deploy, 'deployments path');
  const params = deploy.value.patch.parameters.map((p) => p.parameter.nonBodyParameter.queryParameterSubSchema);
  assert.deepEqual(
    params.find((p) => p.name === 'fieldValidation'),
    { in: 'query', name: 'fieldValidation', type: 'string' },
  );
  const ext = deploy.value.patch.vendorExtension.find((e) => e.name === 'x-kubernetes-group-version-kind');
  assert.deepEqual(parseYaml(ext!.value.yaml), { group: 'apps', kind: 'Deployment', version: 'v1' });
  const node = doc.paths.path.find((p) => p.name === '/api/v1/nodes/{name}');
  assert.deepEqual(parseYaml(node!.value.patch.vendorExtension[0]!.value.yaml), {
    group: '',
    kind: 'Node',
    version: 'v1',
  });
});

test('gvk YAML quotes the empty core group', () => {
  assert.equal(gvkYaml({ group: '', version: 'v1', kind: 'Pod' }), 'group: ""\nkind: Pod\nversion: v1\n');
});

test('OpenAPI v2 JSON mirrors the protobuf document', () => {
  const doc = openapiV2Json() as { paths: Record<string, { patch: { 'x-kubernetes-group-version-kind': unknown } }> };
  assert.deepEqual(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']!.patch['x-kubernetes-group-version-kind'], {
    group: '',
    version: 'v1',
    kind: 'Pod',
  });
});

test('OpenAPI v3 index points at per-group-version documents with a content hash', () => {
  const index = openapiV3Index() as { paths: Record<string, { serverRelativeURL: string }> };
  assert.deepEqual(
    Object.keys(index.paths),
    groupVersions().map((gv) => gvKey(gv.group, gv.version)),
  );
  assert.ok('api/v1' in index.paths && 'apis/apps/v1' in index.paths);
  const apps = index.paths['apis/apps/v1']!.serverRelativeURL;
  assert.equal(apps, `/openapi/v3/apis/apps/v1?hash=${contentHash(JSON.stringify(openapiV3Document('apps', 'v1')))}`);
  assert.deepEqual(parseV3Key('apis/apps/v1'), { group: 'apps', version: 'v1' });
  assert.deepEqual(parseV3Key('api/v1'), { group: '', version: 'v1' });
  assert.equal(parseV3Key('apis/apps'), undefined);
});

test('OpenAPI v3 document: PATCH with GVK and a fieldValidation query parameter, no requestBody', () => {
  const doc = openapiV3Document('', 'v1') as { paths: Record<string, { patch: Record<string, any> }> };
  const pods = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']!.patch;
  assert.deepEqual(pods['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
  assert.ok(pods['parameters'].some((p: any) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.equal('requestBody' in pods, false);
  assert.ok(doc.paths['/api/v1/namespaces/{name}'], 'cluster-scoped path has no namespace segment');
  assert.equal(
    Object.keys(doc.paths).some((p) => p.includes('deployments')),
    false,
  );
});

type Schemas = Record<string, Record<string, any>>;

function refsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refsOf(n, out);
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref') out.push(v as string);
      else refsOf(v, out);
    }
  return out;
}

test('OpenAPI v3 schemas: every served kind is tagged with its GVK, and every $ref resolves', () => {
  for (const { group, version } of groupVersions()) {
    const schemas = (openapiV3Document(group, version) as { components: { schemas: Schemas } }).components.schemas;
    for (const op of patchOperations({ group, version })) {
      const tagged = Object.values(schemas).filter((s) =>
        (s['x-kubernetes-group-version-kind'] ?? []).some(
          (g: any) => g.group === group && g.version === version && g.kind === op.gvk.kind,
        ),
      );
      assert.equal(tagged.length, 1, `${group}/${version} ${op.gvk.kind}`);
      const [kind] = tagged;
      assert.deepEqual(Object.keys(kind!['properties']).slice(0, 3), ['apiVersion', 'kind', 'metadata']);
      assert.ok(kind!['description'], `${op.gvk.kind} has a description`);
    }
    for (const r of refsOf(schemas)) {
      assert.ok(r.startsWith('#/components/schemas/'), r);
      assert.ok(schemas[r.slice('#/components/schemas/'.length)], `${group}/${version}: ${r} resolves`);
    }
  }
});

test('OpenAPI v3 schemas: upstream names and shapes (refs, lists, maps, inline sources, specials)', () => {
  const core = (openapiV3Document('', 'v1') as { components: { schemas: Schemas } }).components.schemas;
  const pod = core['io.k8s.api.core.v1.Pod']!;
  assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  assert.deepEqual(pod['properties'].spec.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }]);
  assert.deepEqual(pod['properties'].metadata.allOf, [
    { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
  ]);
  const spec = core['io.k8s.api.core.v1.PodSpec']!;
  assert.deepEqual(spec['required'], ['containers']);
  assert.equal(spec['properties'].containers.type, 'array');
  assert.deepEqual(spec['properties'].containers.items.allOf, [
    { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' },
  ]);
  assert.deepEqual(spec['properties'].nodeSelector, {
    type: 'object',
    additionalProperties: { type: 'string' },
    description: spec['properties'].nodeSelector.description,
  });
  assert.deepEqual(spec['properties'].terminationGracePeriodSeconds.type, 'integer');
  assert.deepEqual(spec['properties'].restartPolicy.enum, ['Always', 'Never', 'OnFailure']);
  // Volume embeds VolumeSource: its sources are Volume's own fields, as in upstream's schema.
  assert.ok(core['io.k8s.api.core.v1.Volume']!['properties'].configMap);
  const limits = core['io.k8s.api.core.v1.ResourceRequirements']!['properties'].limits;
  assert.deepEqual(limits.additionalProperties.allOf, [
    { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' },
  ]);
  assert.equal(core['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!['format'], 'int-or-string');
  assert.equal(core['io.k8s.apimachinery.pkg.apis.meta.v1.Time']!['format'], 'date-time');
  // Kinds without a decoder table are described from their outline.
  const storage = (openapiV3Document('storage.k8s.io', 'v1') as { components: { schemas: Schemas } }).components
    .schemas;
  assert.deepEqual(storage['io.k8s.api.storage.v1.StorageClass']!['required'], ['provisioner']);
  // The events.k8s.io Event is its own message, not core's.
  const events = (openapiV3Document('events.k8s.io', 'v1') as { components: { schemas: Schemas } }).components.schemas;
  assert.ok(events['io.k8s.api.events.v1.Event']!['properties'].reportingController);
  assert.equal(events['io.k8s.api.core.v1.Event'], undefined);
});
