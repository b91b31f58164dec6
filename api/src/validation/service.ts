/** Service validation (field paths and messages as upstream). NodePort ranges and IP allocation are the apiserver's. */
import { checkLabel, checkSubdomain } from '../names.js';
import type { KubeObject } from '../types.js';
import { GoRepr, duplicate, forbidden, invalid, notSupported, required, type FieldError } from './errors.js';
import {
  IP_ERROR,
  PORT_RANGE_ERROR,
  asArray,
  asRecord,
  checkDns1035,
  isValidIP,
  isValidPort,
  portNameErrors,
  validateLabels,
  validateObjectMeta,
} from './meta.js';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];

function validatePort(p: Record<string, unknown>, f: string, requireName: boolean, type: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p.name) errs.push(required(`${f}.name`));
  if (p.name) {
    const msg = checkLabel(String(p.name));
    if (msg) errs.push(invalid(`${f}.name`, p.name, msg));
  }
  if (!isValidPort(p.port)) errs.push(invalid(`${f}.port`, p.port ?? 0, PORT_RANGE_ERROR));
  if (p.protocol === undefined || p.protocol === '') errs.push(required(`${f}.protocol`));
  else if (!PROTOCOLS.includes(String(p.protocol))) errs.push(notSupported(`${f}.protocol`, p.protocol, PROTOCOLS));
  const tp = p.targetPort;
  if (typeof tp === 'number') {
    if (!isValidPort(tp)) errs.push(invalid(`${f}.targetPort`, tp, PORT_RANGE_ERROR));
  } else if (typeof tp === 'string') {
    for (const m of portNameErrors(tp)) errs.push(invalid(`${f}.targetPort`, tp, m));
  } else if (tp !== undefined) errs.push(invalid(`${f}.targetPort`, tp, 'must be an integer or a port name'));
  if (p.nodePort !== undefined && p.nodePort !== 0) {
    if (type === 'ClusterIP' || type === 'ExternalName')
      errs.push(forbidden(`${f}.nodePort`, `may not be used when \`type\` is '${type}'`));
    else if (typeof p.nodePort !== 'number' || !Number.isInteger(p.nodePort))
      errs.push(invalid(`${f}.nodePort`, p.nodePort, 'must be an integer'));
  }
  return errs;
}

function goServicePort(p: Record<string, unknown>): GoRepr {
  return new GoRepr(
    `core.ServicePort{Name:${JSON.stringify(p.name ?? '')}, Protocol:${JSON.stringify(p.protocol ?? '')}, Port:${Number(p.port ?? 0)}}`,
  );
}

export function validateService(svc: KubeObject): FieldError[] {
  const errs = validateObjectMeta(svc.metadata, { namespaced: true, checkName: checkDns1035 });
  const spec = asRecord(svc.spec);
  const type = String(spec.type ?? 'ClusterIP');
  if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', spec.type, SERVICE_TYPES));
  const headless = spec.clusterIP === 'None';
  const ports = asArray(spec.ports).map(asRecord);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  const names = new Set<string>();
  const keys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const f = `spec.ports[${i}]`;
    errs.push(...validatePort(p, f, ports.length > 1, type));
    if (p.name) {
      if (names.has(String(p.name))) errs.push(duplicate(`${f}.name`, p.name));
      names.add(String(p.name));
    }
    const key = `${String(p.port)}/${String(p.protocol)}`;
    if (keys.has(key)) errs.push(duplicate(f, goServicePort(p)));
    keys.add(key);
    if (typeof p.nodePort === 'number' && p.nodePort !== 0) {
      const np = `${p.nodePort}/${String(p.protocol)}`;
      if (nodePorts.has(np)) errs.push(duplicate(`${f}.nodePort`, p.nodePort));
      nodePorts.add(np);
    }
  });
  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else {
      const msg = checkSubdomain(String(spec.externalName).replace(/\.$/, ''));
      if (msg) errs.push(invalid('spec.externalName', spec.externalName, msg));
    }
  } else {
    const ips = asArray(spec.clusterIPs);
    if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && ips.length > 0 && ips[0] !== spec.clusterIP)
      errs.push(invalid('spec.clusterIPs', ips, 'must match `spec.clusterIP` in its first element'));
    ips.forEach((ip, i) => {
      if (ip === 'None') {
        if (i > 0 || ips.length > 1)
          errs.push(invalid(`spec.clusterIPs[${i}]`, ip, "'None' must be the first and only value"));
        else if (type !== 'ClusterIP')
          errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `may not be set to 'None' for ${type} services`));
      } else if (!isValidIP(ip)) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, IP_ERROR));
    });
  }
  if (spec.sessionAffinity !== undefined && !AFFINITIES.includes(String(spec.sessionAffinity)))
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, AFFINITIES));
  if (spec.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy !== '') {
    if (type !== 'NodePort' && type !== 'LoadBalancer')
      errs.push(
        invalid(
          'spec.externalTrafficPolicy',
          spec.externalTrafficPolicy,
          "may only be set when `type` is 'NodePort' or 'LoadBalancer'",
        ),
      );
    else if (!TRAFFIC_POLICIES.includes(String(spec.externalTrafficPolicy)))
      errs.push(notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.internalTrafficPolicy !== undefined && !TRAFFIC_POLICIES.includes(String(spec.internalTrafficPolicy)))
    errs.push(notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  return errs;
}

/** The primary cluster IP may not change (except to or from ExternalName). */
export function validateServiceUpdate(svc: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateService(svc);
  const a = asRecord(svc.spec);
  const b = asRecord(old.spec);
  if (a.type !== 'ExternalName' && b.type !== 'ExternalName') {
    const ip = asArray(a.clusterIPs)[0];
    const oldIp = asArray(b.clusterIPs)[0];
    if (oldIp !== undefined && ip !== undefined && ip !== oldIp)
      errs.push(invalid('spec.clusterIPs[0]', ip, 'may not change once set'));
  }
  return errs;
}
