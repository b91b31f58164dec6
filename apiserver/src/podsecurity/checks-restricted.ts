/** The restricted Pod Security checks (upstream's policy/check_*.go), in upstream's order, with its reasons and details. */
import { type Check, arr, containers, containersPhrase, joinQuote, name, obj, sc, setters, strs } from './util.js';

const ALLOWED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

const allowPrivilegeEscalation: Check = (_m, spec) => {
  const bad = containers(spec)
    .filter((c) => sc(c)['allowPrivilegeEscalation'] !== false)
    .map(name);
  return bad.length
    ? {
        reason: 'allowPrivilegeEscalation != false',
        detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
      }
    : undefined;
};

const capabilitiesRestricted: Check = (_m, spec) => {
  const missingDrop: string[] = [];
  const adding: string[] = [];
  const caps = new Set<string>();
  for (const c of containers(spec)) {
    const capabilities = obj(sc(c)['capabilities']);
    if (!strs(capabilities['drop']).includes('ALL')) missingDrop.push(name(c));
    const extra = strs(capabilities['add']).filter((x) => x !== 'NET_BIND_SERVICE');
    if (extra.length) adding.push(name(c));
    for (const x of extra) caps.add(x);
  }
  const details: string[] = [];
  if (missingDrop.length)
    details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length)
    details.push(
      `${containersPhrase(adding)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`,
    );
  return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
};

const restrictedVolumes: Check = (_m, spec) => {
  const bad = [
    ...new Set(
      arr(spec['volumes'])
        .filter((v) => !ALLOWED_VOLUMES.some((k) => v[k] !== undefined && v[k] !== null))
        .map((v) => String(v['name'] ?? '')),
    ),
  ].sort();
  // Go's %q of a []string: ["a" "b"].
  return bad.length
    ? {
        reason: 'restricted volume types',
        detail: `volumes [${bad.map((b) => JSON.stringify(b)).join(' ')}] have restricted types`,
      }
    : undefined;
};

/** A pod-or-container boolean that must be `want`: who set it wrongly, who left it unset without the pod's. */
function podOrContainers(
  spec: Record<string, unknown>,
  field: string,
  want: boolean,
): { pod: boolean; explicit: string[]; implicit: string[] } {
  const podValue = obj(spec['securityContext'])[field];
  const pod = podValue === !want;
  const podOk = podValue === want;
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const v = sc(c)[field];
    if (typeof v === 'boolean') {
      if (v !== want) explicit.push(name(c));
    } else if (!podOk) implicit.push(name(c));
  }
  return { pod, explicit, implicit };
}

const runAsNonRoot: Check = (_m, spec) => {
  const r = podOrContainers(spec, 'runAsNonRoot', true);
  if (r.pod || r.explicit.length)
    return {
      reason: 'runAsNonRoot != true',
      detail: `${setters(r.pod, r.explicit)} must not set securityContext.runAsNonRoot=false`,
    };
  if (r.implicit.length)
    return {
      reason: 'runAsNonRoot != true',
      detail: `pod or ${containersPhrase(r.implicit)} must set securityContext.runAsNonRoot=true`,
    };
  return undefined;
};

const runAsUser: Check = (_m, spec) => {
  const pod = obj(spec['securityContext'])['runAsUser'] === 0;
  const names = containers(spec)
    .filter((c) => sc(c)['runAsUser'] === 0)
    .map(name);
  return pod || names.length
    ? { reason: 'runAsUser=0', detail: `${setters(pod, names)} must not set runAsUser=0` }
    : undefined;
};

const seccompRestricted: Check = (_m, spec) => {
  const valid = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
  const podProfile = obj(spec['securityContext'])['seccompProfile'];
  const bad = new Set<string>();
  const pod = podProfile !== undefined && !valid(obj(podProfile)['type']);
  if (pod) bad.add(String(obj(podProfile)['type'] ?? ''));
  const podSet = podProfile !== undefined && !pod;
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const p = sc(c)['seccompProfile'];
    if (p !== undefined) {
      if (!valid(obj(p)['type'])) explicit.push(name(c)), bad.add(String(obj(p)['type'] ?? ''));
    } else if (!podSet) implicit.push(name(c));
  }
  if (pod || explicit.length)
    return {
      reason: 'seccompProfile',
      detail: `${setters(pod, explicit)} must not set securityContext.seccompProfile.type to ${joinQuote([...bad].sort())}`,
    };
  if (implicit.length)
    return {
      reason: 'seccompProfile',
      detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    };
  return undefined;
};

export const RESTRICTED: readonly Check[] = [
  allowPrivilegeEscalation,
  capabilitiesRestricted,
  restrictedVolumes,
  runAsNonRoot,
  runAsUser,
  seccompRestricted,
];
