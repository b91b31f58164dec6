/**
 * Docker-links style environment of services (upstream envvars.FromServices): for a service
 * "web-api" with ClusterIP 10.244.128.7 and port 80/TCP named http:
 * WEB_API_SERVICE_HOST, WEB_API_SERVICE_PORT, WEB_API_SERVICE_PORT_HTTP, WEB_API_PORT,
 * WEB_API_PORT_80_TCP, WEB_API_PORT_80_TCP_PROTO/_PORT/_ADDR.
 */
import type { Service } from '@kubelab/api';

function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}

function hasClusterIP(s: Service): boolean {
  const ip = s.spec.clusterIP;
  return typeof ip === 'string' && ip !== '' && ip !== 'None';
}

export function serviceEnv(services: Service[]): [string, string][] {
  const out: [string, string][] = [];
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const name = envName(s.metadata.name ?? '');
    const ip = s.spec.clusterIP!;
    const ports = s.spec.ports ?? [];
    out.push([`${name}_SERVICE_HOST`, ip]);
    const first = ports[0];
    if (first) out.push([`${name}_SERVICE_PORT`, String(first.port)]);
    for (const p of ports) if (p.name) out.push([`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
    if (first) out.push([`${name}_PORT`, `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`]);
    for (const p of ports) {
      const proto = (p.protocol ?? 'TCP').toUpperCase();
      const prefix = `${name}_PORT_${p.port}_${proto}`;
      out.push([prefix, `${proto.toLowerCase()}://${ip}:${p.port}`]);
      out.push([`${prefix}_PROTO`, proto.toLowerCase()]);
      out.push([`${prefix}_PORT`, String(p.port)]);
      out.push([`${prefix}_ADDR`, ip]);
    }
  }
  return out;
}
