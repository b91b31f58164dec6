/** Builders of Services and EndpointSlices, and a DNS client on loopback, for the tests. */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket, type RecordType } from 'dns-packet';
import type { EndpointSlice, EndpointSliceEndpoint, EndpointSlicePort, Service, ServiceSpec } from '@kubelab/api';
import { SERVICE_NAME_LABEL } from './records.js';

export function service(ns: string, name: string, spec: Partial<ServiceSpec>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: ns, name, resourceVersion: '1' },
    spec: { type: 'ClusterIP', ...spec },
  };
}

export function endpoint(ip: string, more: Partial<EndpointSliceEndpoint> = {}): EndpointSliceEndpoint {
  return { addresses: [ip], conditions: { ready: true }, ...more };
}

export function slice(
  ns: string,
  svc: string,
  name: string,
  endpoints: EndpointSliceEndpoint[],
  ports: EndpointSlicePort[] = [],
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name, labels: { [SERVICE_NAME_LABEL]: svc }, resourceVersion: '1' },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

/** One query to a DNS server (loopback unless `host`) over UDP or TCP; rejects after timeoutMs. */
export async function ask(
  port: number,
  name: string,
  type: string,
  o: { tcp?: boolean; edns?: boolean; timeoutMs?: number; id?: number; host?: string } = {},
): Promise<DecodedPacket> {
  const packet = dnsPacket.encode({
    id: o.id ?? 4242,
    type: 'query',
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as RecordType, class: 'IN' }],
    additionals: o.edns
      ? [
          {
            name: '.',
            type: 'OPT',
            udpPayloadSize: 4096,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [],
          },
        ]
      : [],
  });
  return dnsPacket.decode(await exchange(port, packet, o.tcp ?? false, o.timeoutMs ?? 3000, o.host));
}

/** Sends raw bytes to a DNS server (loopback unless `host`) and resolves with the raw reply. */
export function exchange(
  port: number,
  packet: Buffer,
  tcp: boolean,
  timeoutMs = 3000,
  host = '127.0.0.1',
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      close();
      reject(new Error(`no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    let close = (): void => undefined;
    const done = (b: Buffer): void => {
      clearTimeout(timer);
      close();
      resolve(b);
    };
    if (!tcp) {
      const s = dgram.createSocket('udp4');
      close = () => s.close();
      s.on('message', (m) => done(m));
      s.send(packet, port, host);
      return;
    }
    const s = net.connect(port, host);
    close = () => s.destroy();
    let buf = Buffer.alloc(0);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(packet.length, 0);
    s.write(Buffer.concat([len, packet]));
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    s.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export const rcodeOf = (p: DecodedPacket): string => (p as DecodedPacket & { rcode: string }).rcode;
