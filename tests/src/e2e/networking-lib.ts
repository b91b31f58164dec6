/** Helpers of the networking e2e: manifests, requests from the host, WebSocket and UDP probes. */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';

/** This checkout's echo image (`./kubelab up` tags it with KUBELAB_IMAGE_TAG besides latest). */
const tag = process.env.KUBELAB_IMAGE_TAG;
export const ECHO_IMAGE = tag && tag !== 'dev' ? `kubelab/echo:${tag}` : 'kubelab/echo';

export function echoDeployment(
  name: string,
  replicas: number,
  opts: { port?: number; readiness?: boolean } = {},
): string {
  const port = opts.port ?? 80;
  const probe = opts.readiness
    ? `
        readinessProbe:
          httpGet: {path: /ready, port: ${port}}
          periodSeconds: 1
          failureThreshold: 1
          successThreshold: 1`
    : '';
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: echo
        image: ${ECHO_IMAGE}
        env: [{name: PORT, value: "${port}"}]
        ports: [{name: web, containerPort: ${port}}, {name: echo-udp, containerPort: ${port}, protocol: UDP}]${probe}
`;
}

/** "hello from <pod> (<ip>)" → pod name. */
export const podOf = (body: string): string => /^hello from (\S+)/.exec(body)?.[1] ?? `?${body.slice(0, 40)}`;

/** One GET on a fresh connection; `host` sets the Host header (curl --resolve). */
export function get(
  url: string,
  opts: { host?: string; timeoutMs?: number; servername?: string; ca?: string } = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders; cn?: string }> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        agent: false,
        timeout: opts.timeoutMs ?? 5000,
        headers: opts.host ? { host: opts.host } : {},
        servername: opts.servername,
        rejectUnauthorized: false,
      },
      (res) => {
        const cert =
          'getPeerCertificate' in res.socket
            ? (res.socket as import('node:tls').TLSSocket).getPeerCertificate()
            : undefined;
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            headers: res.headers,
            cn: cert?.subject?.CN as string | undefined,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Counts per pod over n sequential requests, each on a new connection. */
export async function spread(url: string, n: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const pod = podOf((await get(url)).body);
    counts.set(pod, (counts.get(pod) ?? 0) + 1);
  }
  return counts;
}

/** A WebSocket handshake and one masked text message through host:port; resolves with the echo. */
export function websocketEcho(
  port: number,
  hostHeader: string,
  text: string,
): Promise<{ echoed: string; pod: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('websocket: no echo within 5 s'));
    }, 5000);
    s.on('error', reject);
    s.write(
      `GET /ws HTTP/1.1\r\nHost: ${hostHeader}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const mask = Buffer.from([9, 8, 7, 6]);
    const payload = Buffer.from(text);
    let buf = Buffer.alloc(0);
    let sent = false;
    let head = '';
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!sent) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = buf.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`websocket: ${head}`));
        buf = buf.subarray(end + 4);
        sent = true;
        s.write(
          Buffer.concat([
            Buffer.from([0x81, 0x80 | payload.length]),
            mask,
            Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!)),
          ]),
        );
      }
      if (buf.length >= 2 + payload.length) {
        clearTimeout(timer);
        s.destroy();
        resolve({ echoed: buf.subarray(2, 2 + payload.length).toString(), pod: /x-pod: (\S+)/i.exec(head)?.[1] ?? '' });
      }
    });
  });
}

/** A node one-liner run inside a pod: sends one UDP datagram to ip:port and prints the reply. */
export const udpProbe = (ip: string, port: number, text: string): string =>
  `const s=require('dgram').createSocket('udp4');const t=setTimeout(()=>{console.log('TIMEOUT');process.exit(1)},3000);s.on('message',(m)=>{console.log(m.toString());clearTimeout(t);s.close()});s.send('${text}',${port},'${ip}');`;

/** A node one-liner run inside a pod: n sequential GETs of http://ip:port/, one body a line. */
export const httpProbe = (ip: string, port: number, n: number): string =>
  `const h=require('http');let i=0;const go=()=>{if(i++>=${n})return;h.get({host:'${ip}',port:${port},agent:false,timeout:3000},(r)=>{let b='';r.on('data',(d)=>b+=d);r.on('end',()=>{process.stdout.write(b);go()})}).on('error',(e)=>{console.log('ERROR '+e.message);process.exit(1)})};go();`;
