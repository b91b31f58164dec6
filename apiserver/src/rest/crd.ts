/**
 * kubelab has no CustomResourceDefinitions, but kubectl's client-side validation lists them
 * (`apiextensions.k8s.io/v1 customresourcedefinitions`, without discovery) to tell an unknown kind
 * from a custom one. An always-empty list lets kubectl report `no matches for kind "Foo"` the
 * way it does against a real cluster. The group is not advertised in discovery.
 */
export const CRD_LIST_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

export function emptyCrdList(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinitionList',
    metadata: { resourceVersion: '0' },
    items: [],
  };
}
