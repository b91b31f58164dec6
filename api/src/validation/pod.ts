/** Pod and pod-template validation, with upstream's field paths and messages. */
import { canonical } from '../hash.js';
import { checkLabel, checkSubdomain } from '../names.js';
import type { KubeObject } from '../types.js';
import { validatePodDNS } from './poddns.js';
import { duplicate, forbidden, invalid, notFoundValue, notSupported, required, type FieldError } from './errors.js';
import {
  PORT_RANGE_ERROR,
  asArray,
  asRecord,
  isValidPort,
  portNameErrors,
  validateLabels,
  validateObjectMeta,
} from './meta.js';
import { validateClaimVolumeSource } from './storage.js';
import { validateResourceList, validateResourceRequirements } from './resources.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const ENV_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const ENV_NAME_MSG =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

function validatePorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [i, raw] of asArray(ports).entries()) {
    const p = asRecord(raw);
    const f = `${field}[${i}]`;
    if (p.name !== undefined && p.name !== '') {
      const name = String(p.name);
      for (const m of portNameErrors(name)) errs.push(invalid(`${f}.name`, name, m));
      if (names.has(name)) errs.push(duplicate(`${f}.name`, name));
      names.add(name);
    }
    if (p.containerPort === undefined || p.containerPort === 0) errs.push(required(`${f}.containerPort`));
    else if (!isValidPort(p.containerPort)) errs.push(invalid(`${f}.containerPort`, p.containerPort, PORT_RANGE_ERROR));
    if (p.hostPort !== undefined && p.hostPort !== 0 && !isValidPort(p.hostPort))
      errs.push(invalid(`${f}.hostPort`, p.hostPort, PORT_RANGE_ERROR));
    if (p.protocol === undefined || p.protocol === '') errs.push(required(`${f}.protocol`));
    else if (!PROTOCOLS.includes(String(p.protocol))) errs.push(notSupported(`${f}.protocol`, p.protocol, PROTOCOLS));
  }
  return errs;
}

function validateContainer(c: Record<string, unknown>, field: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof c.image !== 'string' || c.image === '') errs.push(required(`${field}.image`));
  else if (c.image.trim() !== c.image)
    errs.push(invalid(`${field}.image`, c.image, 'must not have leading or trailing whitespace'));
  errs.push(...validatePorts(c.ports, `${field}.ports`));
  errs.push(...validateResourceRequirements(c.resources, `${field}.resources`));
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === '') errs.push(required(`${field}.imagePullPolicy`));
  else if (!PULL_POLICIES.includes(String(c.imagePullPolicy)))
    errs.push(notSupported(`${field}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  if (
    c.terminationMessagePolicy !== undefined &&
    !TERMINATION_MESSAGE_POLICIES.includes(String(c.terminationMessagePolicy))
  )
    errs.push(
      notSupported(`${field}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES),
    );
  for (const [i, raw] of asArray(c.env).entries()) {
    const e = asRecord(raw);
    if (!e.name) errs.push(required(`${field}.env[${i}].name`));
    else if (!ENV_NAME_RE.test(String(e.name))) errs.push(invalid(`${field}.env[${i}].name`, e.name, ENV_NAME_MSG));
  }
  for (const [i, raw] of asArray(c.volumeMounts).entries()) {
    const m = asRecord(raw);
    if (!m.name) errs.push(required(`${field}.volumeMounts[${i}].name`));
    else if (!volumes.has(String(m.name))) errs.push(notFoundValue(`${field}.volumeMounts[${i}].name`, m.name));
    if (!m.mountPath) errs.push(required(`${field}.volumeMounts[${i}].mountPath`));
    // Upstream reports these two under `volumeMounts.subPath` (no index): its field path quirk, kept.
    const subPath = typeof m.subPath === 'string' ? m.subPath : '';
    const expr = typeof m.subPathExpr === 'string' ? m.subPathExpr : '';
    if (subPath) errs.push(...localDescendingPath(subPath, `${field}.volumeMounts.subPath`));
    if (expr) {
      if (subPath)
        errs.push(
          invalid(`${field}.volumeMounts[${i}].subPathExpr`, expr, 'subPathExpr and subPath are mutually exclusive'),
        );
      errs.push(...localDescendingPath(expr, `${field}.volumeMounts.subPathExpr`));
    }
  }
  return errs;
}

/** A path inside a volume: relative, without `..` elements (upstream's validateLocalDescendingPath). */
function localDescendingPath(path: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (path.startsWith('/')) errs.push(invalid(field, path, 'must be a relative path'));
  if (path.split('/').includes('..')) errs.push(invalid(field, path, "must not contain '..'"));
  return errs;
}

export interface PodSpecRules {
  /** Allowed restart policies (Deployments and ReplicaSets allow only Always). */
  restartPolicies?: readonly string[];
  /** Names containers may mount besides spec.volumes (a StatefulSet's volumeClaimTemplates). */
  extraVolumes?: readonly string[];
}

export function validatePodSpec(specRaw: unknown, field: string, rules: PodSpecRules = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asRecord(specRaw);
  const volumes = new Set<string>(rules.extraVolumes ?? []);
  for (const [i, raw] of asArray(spec.volumes).entries()) {
    const v = asRecord(raw);
    errs.push(...validateClaimVolumeSource(v, `${field}.volumes[${i}]`));
    const f = `${field}.volumes[${i}].name`;
    if (!v.name) errs.push(required(f));
    else {
      const msg = checkLabel(String(v.name));
      if (msg) errs.push(invalid(f, v.name, msg));
      if (volumes.has(String(v.name))) errs.push(duplicate(f, v.name));
      volumes.add(String(v.name));
    }
  }
  const names = new Set<string>();
  const containerList = (key: 'initContainers' | 'containers'): void => {
    for (const [i, raw] of asArray(spec[key]).entries()) {
      const c = asRecord(raw);
      const f = `${field}.${key}[${i}]`;
      if (!c.name) errs.push(required(`${f}.name`));
      else {
        const name = String(c.name);
        const msg = checkLabel(name);
        if (msg) errs.push(invalid(`${f}.name`, name, msg));
        if (names.has(name)) errs.push(duplicate(`${f}.name`, name));
        names.add(name);
      }
      errs.push(...validateContainer(c, f, volumes));
    }
  };
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) errs.push(required(`${field}.containers`));
  containerList('initContainers');
  containerList('containers');
  for (const [i, raw] of asArray(spec.ephemeralContainers).entries()) {
    if (Object.keys(asRecord(asRecord(raw).resources)).length)
      errs.push(forbidden(`${field}.ephemeralContainers[${i}].resources`, 'cannot be set for an Ephemeral Container'));
  }
  if (spec.overhead !== undefined)
    errs.push(...validateResourceList(spec.overhead, `${field}.overhead`, { containerNames: true }).errs);
  if (spec.resources !== undefined) errs.push(...validateResourceRequirements(spec.resources, `${field}.resources`));
  const allowed = rules.restartPolicies ?? RESTART_POLICIES;
  if (spec.restartPolicy === undefined || spec.restartPolicy === '') errs.push(required(`${field}.restartPolicy`));
  else if (!allowed.includes(String(spec.restartPolicy)))
    errs.push(notSupported(`${field}.restartPolicy`, spec.restartPolicy, allowed));
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(String(spec.dnsPolicy)))
    errs.push(notSupported(`${field}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  if (spec.terminationGracePeriodSeconds !== undefined && !Number.isInteger(spec.terminationGracePeriodSeconds))
    errs.push(
      invalid(`${field}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be an integer'),
    );
  if (spec.activeDeadlineSeconds !== undefined) {
    const v = spec.activeDeadlineSeconds;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2147483647)
      errs.push(invalid(`${field}.activeDeadlineSeconds`, v, 'must be between 1 and 2147483647, inclusive'));
  }
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
    const msg = checkSubdomain(spec.nodeName);
    if (msg) errs.push(invalid(`${field}.nodeName`, spec.nodeName, msg));
  }
  if (typeof spec.hostname === 'string' && spec.hostname !== '') {
    const msg = checkLabel(spec.hostname);
    if (msg) errs.push(invalid(`${field}.hostname`, spec.hostname, msg));
  }
  errs.push(...validatePodDNS(spec, field));
  return errs;
}

export function validatePod(pod: KubeObject): FieldError[] {
  return [...validateObjectMeta(pod.metadata, { namespaced: true }), ...validatePodSpec(pod.spec, 'spec')];
}

export const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Pod specs are immutable except for images, activeDeadlineSeconds, tolerations and the grace period. */
export function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePod(pod);
  const next = structuredClone(asRecord(pod.spec));
  const prev = asRecord(old.spec);
  for (const key of ['containers', 'initContainers'] as const) {
    const a = asArray(next[key]);
    const b = asArray(prev[key]);
    if (a.length === b.length) a.forEach((c, i) => (asRecord(c).image = asRecord(b[i]).image));
  }
  for (const key of ['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds']) {
    if (prev[key] === undefined) delete next[key];
    else next[key] = prev[key];
  }
  if (JSON.stringify(canonical(next)) !== JSON.stringify(canonical(prev)))
    errs.push(forbidden('spec', POD_UPDATE_FORBIDDEN));
  return errs;
}

/** A pod template inside a workload: its labels, and its spec with the allowed restart policies. */
export function validatePodTemplate(template: unknown, field: string, rules: PodSpecRules): FieldError[] {
  const t = asRecord(template);
  const meta = asRecord(t.metadata);
  return [
    ...validateLabels(meta.labels, `${field}.metadata.labels`),
    ...validatePodSpec(t.spec, `${field}.spec`, rules),
  ];
}
