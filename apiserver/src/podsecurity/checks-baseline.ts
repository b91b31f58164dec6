/**
 * The baseline Pod Security checks (upstream's pod-security-admission policy/check_*.go), in the
 * order upstream evaluates them, with its reasons and details. The two that the restricted level
 * replaces by stricter ones (capabilities, seccompProfile) are OVERLAPPING: evaluated only at baseline.
 */
import {
  type Check,
  arr,
  containers,
  containersPhrase,
  joinQuote,
  name,
  obj,
  pluralize,
  sc,
  setters,
  sortedUnique,
  strs,
} from './util.js';

const DEFAULT_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

const hostNamespaces: Check = (_m, spec) => {
  const on = (['hostIPC', 'hostNetwork', 'hostPID'] as const).filter((k) => spec[k] === true);
  return on.length ? { reason: 'host namespaces', detail: on.map((k) => `${k}=true`).join(', ') } : undefined;
};

const hostPathVolumes: Check = (_m, spec) => {
  const vols = arr(spec['volumes'])
    .filter((v) => v['hostPath'] !== undefined)
    .map((v) => String(v['name'] ?? ''));
  return vols.length
    ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', vols.length)} ${joinQuote(vols)}` }
    : undefined;
};

const hostPorts: Check = (_m, spec) => {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containers(spec)) {
    const hp = arr(c['ports'])
      .map((p) => Number(p['hostPort'] ?? 0))
      .filter((p) => p !== 0);
    if (hp.length) bad.push(name(c));
    ports.push(...hp.map(String));
  }
  if (!bad.length) return undefined;
  const list = sortedUnique(ports);
  return {
    reason: 'hostPort',
    detail: `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
  };
};

const privileged: Check = (_m, spec) => {
  const bad = containers(spec)
    .filter((c) => sc(c)['privileged'] === true)
    .map(name);
  return bad.length
    ? { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` }
    : undefined;
};

const procMount: Check = (_m, spec) => {
  const bad = containers(spec).filter(
    (c) => typeof sc(c)['procMount'] === 'string' && sc(c)['procMount'] !== 'Default',
  );
  if (!bad.length) return undefined;
  return {
    reason: 'procMount',
    detail: `${containersPhrase(bad.map(name))} must not set securityContext.procMount to ${joinQuote(sortedUnique(bad.map((c) => String(sc(c)['procMount']))))}`,
  };
};

const seLinuxOptions: Check = (_m, spec) => {
  const types = new Set<string>();
  let user = false;
  let role = false;
  const bad = (o: Record<string, unknown>): boolean => {
    const se = obj(o['seLinuxOptions']);
    let b = false;
    if (typeof se['type'] === 'string' && !SELINUX_TYPES.has(se['type'])) types.add(se['type']), (b = true);
    if (se['user']) (user = true), (b = true);
    if (se['role']) (role = true), (b = true);
    return b;
  };
  const pod = bad(obj(spec['securityContext']));
  const names = containers(spec)
    .filter((c) => bad(sc(c)))
    .map(name);
  if (!pod && !names.length) return undefined;
  const why: string[] = [];
  if (types.size) why.push(`${pluralize('type', 'types', types.size)} ${joinQuote([...types].sort())}`);
  if (user) why.push('user may not be set');
  if (role) why.push('role may not be set');
  return {
    reason: 'seLinuxOptions',
    detail: `${setters(pod, names)} set forbidden securityContext.seLinuxOptions: ${why.join('; ')}`,
  };
};

const sysctls: Check = (_m, spec) => {
  const bad = arr(obj(spec['securityContext'])['sysctls'])
    .map((s) => String(s['name'] ?? ''))
    .filter((n) => !SAFE_SYSCTLS.has(n));
  return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
};

const windowsHostProcess: Check = (_m, spec) => {
  const on = (o: Record<string, unknown>): boolean => obj(o['windowsOptions'])['hostProcess'] === true;
  const pod = on(obj(spec['securityContext']));
  const names = containers(spec)
    .filter((c) => on(sc(c)))
    .map(name);
  return pod || names.length
    ? {
        reason: 'hostProcess',
        detail: `${setters(pod, names)} must not set securityContext.windowsOptions.hostProcess=true`,
      }
    : undefined;
};

const capabilitiesBaseline: Check = (_m, spec) => {
  const bad: string[] = [];
  const caps = new Set<string>();
  for (const c of containers(spec)) {
    const extra = strs(obj(sc(c)['capabilities'])['add']).filter((x) => !DEFAULT_CAPABILITIES.has(x));
    if (extra.length) bad.push(name(c));
    for (const x of extra) caps.add(x);
  }
  return bad.length
    ? {
        reason: 'non-default capabilities',
        detail: `${containersPhrase(bad)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`,
      }
    : undefined;
};

const seccompBaseline: Check = (_m, spec) => {
  const unconfined = (o: Record<string, unknown>): boolean => obj(o['seccompProfile'])['type'] === 'Unconfined';
  const pod = unconfined(obj(spec['securityContext']));
  const names = containers(spec)
    .filter((c) => unconfined(sc(c)))
    .map(name);
  return pod || names.length
    ? {
        reason: 'seccompProfile',
        detail: `${setters(pod, names)} must not set securityContext.seccompProfile.type to "Unconfined"`,
      }
    : undefined;
};

export const BASELINE: readonly Check[] = [
  hostNamespaces,
  hostPathVolumes,
  hostPorts,
  privileged,
  procMount,
  seLinuxOptions,
  sysctls,
  windowsHostProcess,
];
export const OVERLAPPING_BASELINE: readonly Check[] = [capabilitiesBaseline, seccompBaseline];
