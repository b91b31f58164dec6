/** Requests to the lab's Kubernetes API over HTTPS, trusting the lab's CA, with its admin token. */
import https from 'node:https';

export interface ApiAccess {
  /** https://host:port */
  url: string;
  /** PEM of the cluster CA. */
  caCert: string;
  token: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** Status and body (parsed when JSON); undefined when the server does not answer (yet). */
export function apiGet(api: ApiAccess, path: string, timeoutMs = 5000): Promise<ApiResponse | undefined> {
  return apiRequest(api, 'GET', path, undefined, timeoutMs);
}

/** A request with a JSON body (or none); undefined when the server does not answer. */
export function apiRequest(
  api: ApiAccess,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<ApiResponse | undefined> {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Authorization: `Bearer ${api.token}`, Accept: 'application/json' };
    if (data !== undefined)
      Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) });
    const req = https.request(
      new URL(path, api.url),
      { method, ca: api.caCert, headers, agent: false, timeout: timeoutMs },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', () => resolve(undefined));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON (e.g. "ok") */
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end(data);
  });
}
