/**
 * Runs one probe or hook action: httpGet to the pod IP (the kubelet is on the cluster network),
 * tcpSocket, exec in the container, grpc health check. Outcomes carry upstream-like messages.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Container } from '@kubelab/api';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { grpcHealthCheck } from './grpchealth.js';
import { resolvePort, type Handler, type HTTPGetAction } from './types.js';

export interface ProbeOutcome {
  ok: boolean;
  /** Why it failed (or the body/output on success). */
  output: string;
}

export interface ProbeTarget {
  podIP: string;
  containerId: string;
  container: Container;
}

/** The seam: the real Prober talks to the network and the runtime; tests hand in a fake. */
export interface Prober {
  run(action: Handler, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome>;
}

export const PROBE_USER_AGENT = 'kube-probe/1.33';

function fmtHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function httpURL(a: HTTPGetAction, host: string, port: number): string {
  const scheme = (a.scheme ?? 'HTTP').toLowerCase();
  let path = a.path ?? '/';
  if (!path.startsWith('/')) path = `/${path}`;
  return `${scheme}://${fmtHostPort(host, port)}${path}`;
}

function httpGet(a: HTTPGetAction, host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  const url = httpURL(a, host, port);
  const scheme = (a.scheme ?? 'HTTP').toUpperCase();
  if (scheme !== 'HTTP' && scheme !== 'HTTPS')
    return Promise.resolve({ ok: false, output: `unsupported scheme ${a.scheme ?? ''}` });
  const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
  for (const h of a.httpHeaders ?? []) if (h?.name) headers[h.name] = h.value ?? '';
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(o);
    };
    // Like upstream, HTTPS probes do not verify the certificate.
    const get =
      scheme === 'HTTPS'
        ? (u: string, o: https.RequestOptions, cb: (res: http.IncomingMessage) => void) =>
            https.get(u, { ...o, rejectUnauthorized: false }, cb)
        : http.get;
    const req = get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (b: Buffer) => {
        if (size < 10_240) chunks.push(b);
        size += b.length;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8').slice(0, 10_240);
        if (code >= 200 && code < 400) finish({ ok: true, output: body });
        else finish({ ok: false, output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (err) => finish({ ok: false, output: `Get "${url}": ${err.message}` }));
    });
    const timer = setTimeout(() => {
      finish({
        ok: false,
        output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, output: `Get "${url}": ${dialError(host, port, err)}` }),
    );
  });
}

function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp ${fmtHostPort(host, port)}: connect: connection refused`;
  if (err.code === 'EHOSTUNREACH') return `dial tcp ${fmtHostPort(host, port)}: connect: no route to host`;
  return err.message;
}

function tcpDial(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, output: `dial tcp ${fmtHostPort(host, port)}: i/o timeout` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, output: '' });
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, output: dialError(host, port, err) });
    });
  });
}

export class RealProber implements Prober {
  constructor(private readonly runtime: Pick<ContainerRuntime, 'exec'>) {}

  async run(action: Handler, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
    try {
      if (action.exec) return await this.exec(action.exec.command ?? [], t, timeoutMs);
      if (action.httpGet) {
        const port = resolvePort(action.httpGet.port, t.container);
        return await httpGet(action.httpGet, action.httpGet.host || t.podIP, port, timeoutMs);
      }
      if (action.tcpSocket) {
        const port = resolvePort(action.tcpSocket.port, t.container);
        return await tcpDial(action.tcpSocket.host || t.podIP, port, timeoutMs);
      }
      if (action.grpc) return await grpcHealthCheck(t.podIP, action.grpc.port, action.grpc.service ?? '', timeoutMs);
      return { ok: false, output: 'missing probe handler' };
    } catch (err) {
      return { ok: false, output: err instanceof Error ? err.message : String(err) };
    }
  }

  private async exec(cmd: string[], t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
    if (cmd.length === 0) return { ok: false, output: 'exec: missing command' };
    try {
      const r = await this.runtime.exec(t.containerId, cmd, timeoutMs);
      if (r.exitCode === 0) return { ok: true, output: r.output };
      return {
        ok: false,
        output: r.output.trim() || `command ${JSON.stringify(cmd.join(' '))} exited with ${r.exitCode}`,
      };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/timed out/.test(msg)) return { ok: false, output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
      return { ok: false, output: msg };
    }
  }
}
