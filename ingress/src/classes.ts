/**
 * IngressClasses: the controller makes `kubelab` (marked default with
 * ingressclass.kubernetes.io/is-default-class) and `nginx` (so that manifests written for
 * ingress-nginx work unchanged) when they are missing, and serves every class whose
 * spec.controller is its own. An Ingress is ours when its ingressClassName (or the older
 * kubernetes.io/ingress.class annotation) names such a class, or names none while one of ours
 * is the default.
 */
import type { KubeObject } from '@kubelab/api';
import type { Ingress } from './routes.js';

export const CONTROLLER_NAME = 'kubelab.io/ingress-controller';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export interface IngressClass extends KubeObject {
  spec?: { controller?: string };
}

export function wantedClasses(): IngressClass[] {
  const mk = (name: string, isDefault: boolean): IngressClass => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: {
      name,
      labels: { 'app.kubernetes.io/managed-by': 'kubelab' },
      ...(isDefault ? { annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } } : {}),
    },
    spec: { controller: CONTROLLER_NAME },
  });
  return [mk('kubelab', true), mk('nginx', false)];
}

export interface ClassView {
  /** Names of the classes this controller serves. */
  ours: Set<string>;
  /** Whether a default class exists, and whether it is ours. */
  defaultIsOurs: boolean;
}

export function classView(classes: IngressClass[]): ClassView {
  const ours = new Set(classes.filter((c) => c.spec?.controller === CONTROLLER_NAME).map((c) => c.metadata.name ?? ''));
  const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  return { ours, defaultIsOurs: defaults.length > 0 && defaults.every((c) => ours.has(c.metadata.name ?? '')) };
}

export function isOurs(ing: Ingress, view: ClassView): boolean {
  const cls = ing.spec?.ingressClassName ?? ing.metadata.annotations?.[CLASS_ANNOTATION];
  return cls ? view.ours.has(cls) : view.defaultIsOurs;
}
