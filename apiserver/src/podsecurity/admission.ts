/**
 * The PodSecurity admission plugin (upstream's pod-security-admission): the namespace's
 * `pod-security.kubernetes.io/enforce|audit|warn` labels decide. A pod violating the enforce level
 * is refused with upstream's 403 (`pods "p" is forbidden: violates PodSecurity "restricted:latest":
 * privileged (…), …`); one violating the warn level gets `would violate PodSecurity …` as a
 * response warning, the audit level a log line. Workload templates (Deployments, Jobs, …) are
 * checked for warn and audit only, as upstream. A namespace's labels must be valid; changing its
 * enforce level warns about the existing pods that violate the new one.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { AdmissionPlugin, AdmissionRequest } from '../auth/admission.js';
import { forbiddenFor } from '../auth/attributes.js';
import {
  detailText,
  evaluate,
  labelErrors,
  type LevelVersion,
  levelOf,
  lvString,
  type Mode,
  reasonText,
} from './policy.js';
import { obj, type Json } from './util.js';
import { namespaceWarnings } from './namespace.js';

/** Where each workload kind keeps its pod template. */
const TEMPLATES: Record<string, (o: Json) => Json | undefined> = {
  deployments: (o) => obj(obj(o['spec'])['template']),
  replicasets: (o) => obj(obj(o['spec'])['template']),
  statefulsets: (o) => obj(obj(o['spec'])['template']),
  daemonsets: (o) => obj(obj(o['spec'])['template']),
  jobs: (o) => obj(obj(o['spec'])['template']),
  replicationcontrollers: (o) => obj(obj(o['spec'])['template']),
  cronjobs: (o) => obj(obj(obj(obj(o['spec'])['jobTemplate'])['spec'])['template']),
  podtemplates: (o) => obj(o['template']),
};

async function namespaceLabels(req: AdmissionRequest): Promise<Record<string, string> | undefined> {
  try {
    // As upstream's, from the watch cache (its informer), else storage; only read.
    return (await req.registry.get('namespaces', '', req.namespace, { listed: true, shared: true })).metadata.labels;
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
    throw err;
  }
}

const same = (a: LevelVersion, b: LevelVersion): boolean => a.level === b.level && a.version === b.version;

/** The pod spec this write is about, or undefined when the write is not one PodSecurity looks at. */
async function podOf(req: AdmissionRequest): Promise<{ meta: Json; spec: Json; pod: boolean } | undefined> {
  if (req.subresource !== '' || !req.object || (req.operation !== 'CREATE' && req.operation !== 'UPDATE'))
    return undefined;
  const o = req.object as unknown as Json;
  if (req.resource === 'pods') {
    // Updates that leave the spec alone (labels, finalizers) are not evaluated, as upstream.
    if (req.operation === 'UPDATE' && JSON.stringify((await req.oldObject())?.spec) === JSON.stringify(o['spec']))
      return undefined;
    return { meta: obj(o['metadata']), spec: obj(o['spec']), pod: true };
  }
  const templateOf = TEMPLATES[req.resource];
  const template = templateOf?.(o);
  if (!templateOf || !template) return undefined;
  // A workload update that leaves its template alone (scale, annotations, the controllers' writes) is not evaluated.
  if (req.operation === 'UPDATE') {
    const old = await req.oldObject();
    if (old && JSON.stringify(templateOf(old as unknown as Json)) === JSON.stringify(template)) return undefined;
  }
  return { meta: obj(template['metadata']), spec: obj(template['spec']), pod: false };
}

export function podSecurityAdmission(log: Logger): AdmissionPlugin {
  return {
    async admit(req) {
      if (req.resource === 'namespaces') return admitNamespace(req);
      const target = await podOf(req);
      if (!target) return undefined;
      const labels = await namespaceLabels(req);
      const lv = (m: Mode): LevelVersion => levelOf(labels, m);
      const enforce = lv('enforce');
      if (target.pod) {
        const failed = evaluate(enforce.level, target.meta, target.spec);
        if (failed.length)
          throw forbiddenFor(
            '',
            'pods',
            req.name,
            `violates PodSecurity "${lvString(enforce)}": ${detailText(failed)}`,
          );
      }
      const warn = lv('warn');
      if (!target.pod || !same(warn, enforce)) {
        const failed = evaluate(warn.level, target.meta, target.spec);
        if (failed.length) req.warn(`would violate PodSecurity "${lvString(warn)}": ${detailText(failed)}`);
      }
      const audit = lv('audit');
      const audited = evaluate(audit.level, target.meta, target.spec);
      if (audited.length)
        log.info(
          {
            namespace: req.namespace,
            resource: req.resource,
            name: req.name,
            user: req.user.name,
            'pod-security.kubernetes.io/audit-violations': `would violate PodSecurity "${lvString(audit)}": ${reasonText(audited)}`,
          },
          'PodSecurity audit',
        );
      return undefined;
    },
  };
}

async function admitNamespace(req: AdmissionRequest): Promise<KubeObject | undefined> {
  if (req.subresource !== '' || !req.object || (req.operation !== 'CREATE' && req.operation !== 'UPDATE'))
    return undefined;
  const labels = req.object.metadata.labels;
  const errs = labelErrors(labels);
  if (errs.length)
    throw new ApiError('Invalid', `Namespace "${req.name}" is invalid: ${errs.join(', ')}`, {
      name: req.name,
      kind: 'Namespace',
      causes: errs.map((e) => ({
        reason: 'FieldValueInvalid',
        message: e.slice(e.indexOf(': ') + 2),
        field: e.slice(0, e.indexOf(': ')),
      })),
    });
  if (req.operation !== 'UPDATE') return undefined;
  const before = levelOf((await req.oldObject())?.metadata.labels, 'enforce');
  const after = levelOf(labels, 'enforce');
  if (same(before, after) || after.level === 'privileged') return undefined;
  for (const w of await namespaceWarnings(req.registry, req.name, after)) req.warn(w);
  return undefined;
}
